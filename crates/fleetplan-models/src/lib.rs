//! Models layer of fleetplan: analytical performance models (inference, training, image and
//! video generation) and, later, cost models. Pure functions of catalog entries and settings.
//!
//! **Architecture invariant:** no I/O, no printing; every function returns values or typed errors.
