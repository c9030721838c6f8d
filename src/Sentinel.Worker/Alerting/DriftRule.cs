using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// The state machine of a drift alert (DNS answers, header posture), as a function of its row and the verdict of one
/// new result: fire at the first result that drifted, resolve at the first one that matches its baseline again (the
/// old baseline restored, or a new one accepted). A result that compared nothing (no server answered, the audit was
/// incomplete) changes nothing. Drift alerts fire once, without reminders: a drift is a change to look at, not an
/// outage that goes on. A result no newer than the last change is ignored, so that evaluating the same result twice
/// (a retry, a second node) changes nothing.
/// </summary>
internal static class DriftRule
{
    /// <summary>Drift alerts are warnings: something changed that someone should look at.</summary>
    public const string Severity = "warning";

    /// <summary>
    /// The alert's next row after <paramref name="result"/>, whose verdict is <paramref name="drifted"/> (null when it
    /// compared nothing), or null when it changes nothing. <paramref name="reason"/> is what drifted, kept on the row.
    /// </summary>
    public static AlertDecision? Apply(Alert alert, string title, ProbeResult result, bool? drifted, string reason, DateTimeOffset now)
    {
        if (drifted is null || result.Id == alert.LastResultId || (alert.LastResultAt is { } last && result.StartedAt < last))
        {
            return null;
        }

        var next = alert with
        {
            Title = title,
            Severity = Severity,
            LastResultId = result.Id,
            LastResultAt = result.StartedAt,
            UpdatedAt = now,
            Sequence = alert.Sequence + 1,
            LastNotifiedAt = now,
            Since = result.StartedAt,
        };
        return (alert.State, drifted.Value) switch
        {
            (AlertState.Firing, false) => new AlertDecision(next with { State = AlertState.Resolved }, AlertEvent.Resolved),
            (not AlertState.Firing, true) => new AlertDecision(next with { State = AlertState.Firing, TriggerResultId = result.Id, Reason = reason }, AlertEvent.Firing),
            _ => null,
        };
    }
}
