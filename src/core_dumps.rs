//! No core dumps: a crashed sfkey would write its memory (client secret, refresh and access
//! tokens) to disk. Turned off at start for every sfkey process, as gpg-agent and ssh-agent do.

/// Sets the core file size limit to 0 (hard too, so no child of ours raises it back) and, on
/// Linux, marks the process not dumpable, which also keeps other processes of the same user
/// from attaching a debugger or reading its memory. Best effort: a failure is logged by the
/// caller's `tracing` setup later and never stops sfkey.
pub fn disable() -> Result<(), String> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        setrlimit(Resource::Core, none).map_err(|e| format!("setrlimit(RLIMIT_CORE): {e}"))?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
            .map_err(|e| format!("prctl(PR_SET_DUMPABLE): {e}"))?;
    }
    Ok(())
}
