namespace Sentinel.Probes.Probing;

/// <summary>How serious an audit finding is.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; nothing to fix.</summary>
    Info,

    /// <summary>Should be fixed.</summary>
    Warning,

    /// <summary>Must be fixed.</summary>
    Critical,
}

/// <summary>
/// An audit verdict about the target (a header policy, a rate-limited hop, a route change), with a stable id,
/// a message naming the value seen, a hint, and the evidence it rests on.
/// </summary>
/// <param name="Id">A stable id such as <c>hsts.max_age_short</c>.</param>
/// <param name="Severity">How serious it is.</param>
/// <param name="Message">What was seen.</param>
/// <param name="Hint">What to do about it.</param>
/// <param name="Evidence">Named pieces of evidence (request sent, header values received), in order.</param>
public sealed record Finding(string Id, FindingSeverity Severity, string Message, string Hint, IReadOnlyList<KeyValuePair<string, string>>? Evidence = null);
