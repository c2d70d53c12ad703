//! End-to-end suite (being written).
