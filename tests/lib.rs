//! End-to-end tests of duban live in `e2e/`: they start the real `duban-registry`
//! and `duban-reporting` binaries, import the seed plan, and exercise the pair the
//! way other government systems and the reminder job do.
