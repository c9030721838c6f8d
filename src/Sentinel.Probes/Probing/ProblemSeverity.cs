namespace Sentinel.Probes.Probing;

/// <summary>How much a classified problem weighs on the result.</summary>
public enum ProblemSeverity
{
    /// <summary>The result is down (or unknown for <c>probe_error</c>).</summary>
    Error,

    /// <summary>The result is degraded: up, but worth a look.</summary>
    Warning,
}
