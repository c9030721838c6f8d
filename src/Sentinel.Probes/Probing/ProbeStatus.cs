namespace Sentinel.Probes.Probing;

/// <summary>The verdict of one run of a check.</summary>
public enum ProbeStatus
{
    /// <summary>The target worked and every assertion held.</summary>
    Up,

    /// <summary>The target worked, but something is worth a look: a warning assertion failed or a warning was found.</summary>
    Degraded,

    /// <summary>The target failed: the failure names the layer, category and a hint.</summary>
    Down,

    /// <summary>
    /// Sentinel could not tell, because of a fault on its own side (category <c>probe_error</c>): such a result
    /// must not page the owner of the target.
    /// </summary>
    Unknown,
}
