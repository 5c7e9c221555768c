//! The fonts the designs use, read at run time from the system's font directory.
//!
//! Only fonts that Debian packages ship are used, so the renderer carries no font files and a
//! machine gets them with apt. All of them are required: a design drawn with a substitute font
//! would make a seed mean a different image on another machine.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, GlyphId};

use super::error::SynthError;

/// Where Debian installs fonts.
pub const SYSTEM_FONT_DIR: &str = "/usr/share/fonts";

/// What a face is used for on a plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The registration characters: condensed, plain sans faces like the plate dies.
    Serial,
    /// The state's name: bold serif or sans.
    Header,
    /// The state's name in a script or italic (California, Louisiana, Illinois, ...).
    Script,
    /// Slogans, counties, sticker print and signs.
    Small,
}

struct Spec {
    file: &'static str,
    package: &'static str,
    role: Role,
    /// How much narrower than drawn a serial face must be to look like a plate's characters.
    squeeze: f32,
}

#[rustfmt::skip]
const CATALOGUE: &[Spec] = &[
    Spec { file: "truetype/dejavu/DejaVuSansCondensed-Bold.ttf", package: "fonts-dejavu-extra", role: Role::Serial, squeeze: 0.86 },
    Spec { file: "truetype/liberation/LiberationSansNarrow-Bold.ttf", package: "fonts-liberation", role: Role::Serial, squeeze: 0.92 },
    Spec { file: "truetype/roboto/unhinted/RobotoCondensed-Bold.ttf", package: "fonts-roboto-unhinted", role: Role::Serial, squeeze: 0.9 },
    Spec { file: "truetype/roboto/unhinted/RobotoCondensed-Medium.ttf", package: "fonts-roboto-unhinted", role: Role::Serial, squeeze: 0.9 },
    Spec { file: "truetype/opendin/OSP-DIN.ttf", package: "fonts-opendin", role: Role::Serial, squeeze: 0.92 },
    Spec { file: "opentype/urw-base35/NimbusSansNarrow-Bold.otf", package: "fonts-urw-base35", role: Role::Serial, squeeze: 0.92 },
    Spec { file: "truetype/freefont/FreeSansBold.ttf", package: "fonts-freefont-ttf", role: Role::Serial, squeeze: 0.74 },
    Spec { file: "truetype/dejavu/DejaVuSansMono-Bold.ttf", package: "fonts-dejavu-core", role: Role::Serial, squeeze: 0.85 },
    Spec { file: "truetype/dejavu/DejaVuSerif-Bold.ttf", package: "fonts-dejavu-core", role: Role::Header, squeeze: 1.0 },
    Spec { file: "truetype/liberation/LiberationSerif-Bold.ttf", package: "fonts-liberation", role: Role::Header, squeeze: 1.0 },
    Spec { file: "opentype/urw-base35/NimbusRoman-Bold.otf", package: "fonts-urw-base35", role: Role::Header, squeeze: 1.0 },
    Spec { file: "truetype/dejavu/DejaVuSans-Bold.ttf", package: "fonts-dejavu-core", role: Role::Header, squeeze: 1.0 },
    Spec { file: "truetype/liberation/LiberationSans-Bold.ttf", package: "fonts-liberation", role: Role::Header, squeeze: 1.0 },
    Spec { file: "opentype/urw-base35/URWGothic-Demi.otf", package: "fonts-urw-base35", role: Role::Header, squeeze: 1.0 },
    Spec { file: "opentype/urw-base35/Z003-MediumItalic.otf", package: "fonts-urw-base35", role: Role::Script, squeeze: 1.0 },
    Spec { file: "truetype/dejavu/DejaVuSerif-BoldItalic.ttf", package: "fonts-dejavu-extra", role: Role::Script, squeeze: 1.0 },
    Spec { file: "truetype/liberation/LiberationSerif-BoldItalic.ttf", package: "fonts-liberation", role: Role::Script, squeeze: 1.0 },
    Spec { file: "opentype/urw-base35/URWBookman-DemiItalic.otf", package: "fonts-urw-base35", role: Role::Script, squeeze: 1.0 },
    Spec { file: "truetype/dejavu/DejaVuSans.ttf", package: "fonts-dejavu-core", role: Role::Small, squeeze: 1.0 },
    Spec { file: "truetype/dejavu/DejaVuSerif.ttf", package: "fonts-dejavu-core", role: Role::Small, squeeze: 1.0 },
    Spec { file: "truetype/liberation/LiberationSans-Regular.ttf", package: "fonts-liberation", role: Role::Small, squeeze: 1.0 },
    Spec { file: "truetype/liberation/LiberationSerif-Italic.ttf", package: "fonts-liberation", role: Role::Small, squeeze: 1.0 },
    Spec { file: "truetype/freefont/FreeSans.ttf", package: "fonts-freefont-ttf", role: Role::Small, squeeze: 1.0 },
];

/// The Debian packages whose fonts the renderer needs.
pub fn required_packages() -> Vec<&'static str> {
    let mut p: Vec<&'static str> = CATALOGUE.iter().map(|s| s.package).collect();
    p.sort_unstable();
    p.dedup();
    p
}

/// One loaded face with the measures the layouts need.
pub(crate) struct Face {
    pub font: FontVec,
    pub role: Role,
    pub squeeze: f32,
    /// Units from the baseline to the top of a capital (an `H`).
    cap_units: f32,
    /// Units of ab_glyph's scale height (ascent minus descent).
    height_units: f32,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl Face {
    /// The ab_glyph scale height at which capitals stand `cap_px` tall.
    pub fn scale_for_cap(&self, cap_px: f32) -> f32 {
        cap_px * self.height_units / self.cap_units
    }

    pub fn glyph_id(&self, c: char) -> GlyphId {
        self.font.glyph_id(c)
    }
}

/// Every face the designs use, loaded once and shared by all renders.
#[derive(Debug)]
pub struct FontLibrary {
    faces: Vec<Face>,
}

impl FontLibrary {
    /// Loads the fonts from Debian's font directory.
    pub fn system() -> Result<Self, SynthError> {
        Self::load(Path::new(SYSTEM_FONT_DIR))
    }

    /// Loads the fonts from `dir`, laid out as Debian lays out `/usr/share/fonts`. Fails naming
    /// every missing file and the packages to install.
    pub fn load(dir: &Path) -> Result<Self, SynthError> {
        let missing: Vec<&Spec> = CATALOGUE
            .iter()
            .filter(|s| !dir.join(s.file).is_file())
            .collect();
        if !missing.is_empty() {
            let files = missing
                .iter()
                .map(|s| s.file)
                .collect::<Vec<_>>()
                .join(", ");
            let mut packages: Vec<&str> = missing.iter().map(|s| s.package).collect();
            packages.sort_unstable();
            packages.dedup();
            return Err(SynthError::MissingFonts {
                dir: dir.to_path_buf(),
                files,
                packages: packages.join(" "),
            });
        }
        let mut faces = Vec::with_capacity(CATALOGUE.len());
        for spec in CATALOGUE {
            let path: PathBuf = dir.join(spec.file);
            let bytes = std::fs::read(&path).map_err(|e| SynthError::BadFont {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let font = FontVec::try_from_vec(bytes).map_err(|e| SynthError::BadFont {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let cap_units = font
                .outline(font.glyph_id('H'))
                .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
                .filter(|h| *h > 0.0)
                .ok_or_else(|| SynthError::BadFont {
                    path: path.clone(),
                    reason: "has no outline for the letter H".into(),
                })?;
            let height_units = font.height_unscaled();
            faces.push(Face {
                font,
                role: spec.role,
                squeeze: spec.squeeze,
                cap_units,
                height_units,
            });
        }
        Ok(Self { faces })
    }

    /// The faces for one role, in catalogue order.
    pub(crate) fn role(&self, role: Role) -> Vec<&Face> {
        self.faces.iter().filter(|f| f.role == role).collect()
    }

    /// A face for `role` by a design's preference (an index, wrapped).
    pub(crate) fn pick(&self, role: Role, index: usize) -> &Face {
        let faces = self.role(role);
        faces[index % faces.len()]
    }

    pub(crate) fn count(&self, role: Role) -> usize {
        self.faces.iter().filter(|f| f.role == role).count()
    }
}
