# alpr's RAUC system configuration (slots A and B): files/system.conf.
FILESEXTRAPATHS:prepend:alpr := "${THISDIR}/files:"

# The keyring (the CA that signs update bundles) is the agency's, never in this layer: the
# integrator points RAUC_KEYRING_FILE (a file in FILESPATH) or RAUC_KEYRING_URI at it, e.g.
#   RAUC_KEYRING_URI:pn-rauc-conf = "file:///secure/alpr-rauc-ca.cert.pem"
# meta-rauc warns while its placeholder ca.cert.pem is used.
