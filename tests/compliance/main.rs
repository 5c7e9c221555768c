//! The compliance suite: one test per requirement of each seed policy (policies/README.md names
//! them), each run under that agency's policy file.
