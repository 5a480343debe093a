//! Transparent huge pages off for a short command: mimalloc asks for them on its heap,
//! and a `confnotes search` of ten milliseconds then spends one zeroing 2 MB pages it
//! barely touches. The app keeps them (its loads and indexing gain a little).

/// Whether the kernel may back this process's memory with huge pages from now on (memory
/// mapped already included: the choice is made when a page is first touched).
#[cfg(target_os = "linux")]
pub fn allow(huge_pages: bool) {
    use std::ffi::{c_int, c_ulong};
    const PR_SET_THP_DISABLE: c_int = 41;
    extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
    }
    let disable: c_ulong = if huge_pages { 0 } else { 1 };
    // SAFETY: prctl(PR_SET_THP_DISABLE, flag, 0, 0, 0) sets one flag of this process and
    // reads no memory of ours; a kernel without it refuses, which changes nothing.
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            disable,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        );
    }
}

#[cfg(not(target_os = "linux"))]
pub fn allow(_huge_pages: bool) {}
