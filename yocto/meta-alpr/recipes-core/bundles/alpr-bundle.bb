# nooelint: oelint.file.underscores,oelint.var.mandatoryvar.SRC_URI
# (Suppressed, for the whole file: a bundle is named like an image, without a version, as
# meta-rauc's own core-bundle-minimal.bb is; and it fetches nothing, bundle.bbclass takes
# alpr-image's output from the deploy directory, so it has no SRC_URI.)
SUMMARY = "RAUC update bundle of the alpr image"
DESCRIPTION = "A signed RAUC bundle (verity format) carrying alpr-image's root filesystem, \
               installed into the inactive slot (A or B) by RAUC on the unit."
HOMEPAGE = "https://alpr.invalid/"
SECTION = "images"
LICENSE = "MIT"

inherit bundle

RAUC_BUNDLE_FORMAT = "verity"
# Must equal compatible= in /etc/rauc/system.conf (rauc-conf.bbappend).
RAUC_BUNDLE_COMPATIBLE = "alpr-appliance"
RAUC_BUNDLE_VERSION = "${PV}"
RAUC_BUNDLE_DESCRIPTION = "alpr appliance root filesystem"

RAUC_BUNDLE_SLOTS = "rootfs"
RAUC_SLOT_rootfs = "alpr-image"
RAUC_SLOT_rootfs[fstype] = "ext4"

# The signing key and certificate are the agency's and never in this layer: the integrator sets
# RAUC_KEY_FILE and RAUC_CERT_FILE (full paths) in local.conf or site.conf.
