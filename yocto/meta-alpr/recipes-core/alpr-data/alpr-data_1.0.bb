SUMMARY = "alpr's encrypted data partition: LUKS2 with the key sealed to the TPM"
DESCRIPTION = "First-boot encryption of the data partition (alpr-data-init), its \
               /etc/crypttab entry (systemd-cryptsetup, tpm2-device=auto) and its mount on \
               /var/lib/alpr. The image carries no key and no data."
HOMEPAGE = "https://alpr.invalid/"
SECTION = "base"
LICENSE = "Apache-2.0"
# The sources are this layer's own files, under the project's license: there is no upstream
# license file to point at (hence the suppression).
# nooelint: oelint.var.licenseremotefile
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/Apache-2.0;md5=89aea4e17d99a7cacdbeed46a0096b10"

SRC_URI = "file://crypttab \
           file://alpr-data-init \
           file://alpr-data-init.service \
           file://var-lib-alpr.mount \
           "

S = "${WORKDIR}"

inherit allarch systemd

# The mount is not enabled on its own: alpr.service pulls it in (RequiresMountsFor), so a car
# whose partition cannot be unlocked still boots.
SYSTEMD_SERVICE:${PN} = "alpr-data-init.service"

do_install() {
    install -d ${D}${sysconfdir}
    install -m 0600 ${WORKDIR}/crypttab ${D}${sysconfdir}/crypttab

    install -d ${D}${libexecdir}/alpr-data
    install -m 0755 ${WORKDIR}/alpr-data-init ${D}${libexecdir}/alpr-data/alpr-data-init

    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${WORKDIR}/alpr-data-init.service ${D}${systemd_system_unitdir}/
    install -m 0644 ${WORKDIR}/var-lib-alpr.mount ${D}${systemd_system_unitdir}/

    # The mount point, on the read-only root.
    install -d ${D}${localstatedir}/lib/alpr
}

FILES:${PN} += "${systemd_system_unitdir}/var-lib-alpr.mount"
CONFFILES:${PN} = "${sysconfdir}/crypttab"

# cryptsetup: meta-oe. systemd needs its cryptsetup and tpm2 PACKAGECONFIGs (this layer's
# systemd_%.bbappend, under DISTRO = "alpr") for the crypttab generator, systemd-cryptsetup and
# systemd-cryptenroll.
RDEPENDS:${PN} = "cryptsetup e2fsprogs-mke2fs systemd"
# Newer systemd recipes split systemd-cryptenroll into systemd-crypt; on scarthgap it is part
# of systemd itself (a missing recommendation is only noted). dm-crypt is a kernel option on
# most BSPs and a module on some.
RRECOMMENDS:${PN} = "systemd-crypt kernel-module-dm-crypt"
