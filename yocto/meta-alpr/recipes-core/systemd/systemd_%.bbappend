# The data partition (alpr-data) needs the crypttab generator, systemd-cryptsetup and
# systemd-cryptenroll (cryptsetup), with TPM2 unlocking (tpm2: tpm2-tss from meta-tpm).
PACKAGECONFIG:append:alpr = " cryptsetup tpm2"
