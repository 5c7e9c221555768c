SUMMARY = "alpr in-car appliance image"
DESCRIPTION = "Read-only root filesystem with systemd, the alpr appliance drawing its UI \
               with Slint straight to DRM/KMS (no X11, no Wayland), an encrypted data \
               partition and A/B updates with RAUC. Disk layout: wic/alpr-ab.wks (boot, \
               rootfs A, rootfs B, data)."
HOMEPAGE = "https://alpr.invalid/"
SECTION = "images"
LICENSE = "MIT"

inherit core-image features_check

# systemd as init, RAUC and TPM 2.0 come with DISTRO = "alpr" (conf/distro/alpr.conf).
REQUIRED_DISTRO_FEATURES = "systemd rauc tpm2"
# No window system: Slint's linuxkms backend (SLINT_BACKEND=linuxkms-software, set in
# alpr.service) draws to the DRM card with the software renderer, input through libinput.
CONFLICT_DISTRO_FEATURES = "x11 wayland"

IMAGE_FEATURES += "read-only-rootfs"

# volatile-binds: on the read-only root, /var/lib and friends are tmpfs copies.
# fontconfig and a font for Slint's text.
IMAGE_INSTALL = "\
    packagegroup-core-boot \
    alpr \
    alpr-data \
    rauc \
    volatile-binds \
    fontconfig \
    ttf-bitstream-vera \
    ${CORE_IMAGE_EXTRA_INSTALL} \
"

# wic for the first flash of a unit; ext4 is what a RAUC bundle carries into slot A or B.
IMAGE_FSTYPES = "wic ext4"
WKS_FILE = "alpr-ab.wks"
# BSP-specific: the wks boots from an EFI system partition with GRUB (an x86-64 unit with UEFI
# and a TPM 2.0): MACHINE_FEATURES needs "efi" and EFI_PROVIDER = "grub-efi". A machine with
# another boot loader needs its own boot partition in the wks and its own RAUC bootloader=.
