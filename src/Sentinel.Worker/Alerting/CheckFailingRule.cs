using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// The "check failing" alert of one check, as a function of its row and one new result: fire when <c>after</c> of the
/// last <c>within</c> counted results failed, resolve after <c>resolveAfter</c> consecutive passes, remind every
/// <c>repeat</c> of wall-clock time while firing (on the first result after it has passed, since results are what
/// wake the evaluation). An <c>unknown</c> result (Sentinel's own fault) is not counted either way; a
/// <c>degraded</c> one fails a warning alert and passes a critical one. A result that fails only because its DNS
/// answer drifted (<c>dns_drift</c>) passes: the drift alert (<see cref="DnsDriftAlerts"/>) speaks for it, to the
/// channels of DNS alerts. A result no newer than the last one counted is
/// ignored, so that evaluating the same result twice (a retry, a second node) changes nothing.
/// </summary>
internal static class CheckFailingRule
{
    /// <summary>The alert's next row after <paramref name="result"/>, or null when the result changes nothing.</summary>
    public static AlertDecision? Apply(Alert alert, EffectiveAlertRule rule, CheckDefinition check, ProbeResult result, DateTimeOffset now)
    {
        if (result.Id == alert.LastResultId || (alert.LastResultAt is { } last && result.StartedAt < last))
        {
            return null;
        }

        var counted = alert with
        {
            Title = check.Name,
            Severity = AlertLimits.Name(rule.Severity),
            LastResultId = result.Id,
            LastResultAt = result.StartedAt,
            UpdatedAt = now,
        };
        if (result.Status == ProbeStatus.Unknown)
        {
            return new AlertDecision(counted, null);
        }

        var failed = (result.Status == ProbeStatus.Down && !OnlyDrifted(result)) || (result.Status == ProbeStatus.Degraded && rule.Severity == AlertSeverity.Warning);
        if (!failed && alert.State == AlertState.Ok && WindowHoldsOnly(alert, rule, 'P'))
        {
            // A pass of an ok check whose window holds only passes: another pass changes no window, now or later (a
            // failure before the window can never come back into it), so the outcomes stay as they are and the alert
            // changes nothing but its bookkeeping (AlertStore then writes it only now and then).
            return new AlertDecision(counted, null);
        }

        if (failed && alert.State == AlertState.Firing && WindowHoldsOnly(alert, rule, 'F') && !ReminderDue(alert, rule, now))
        {
            // The same for a failure of a firing check whose window holds only failures: what a firing alert reads of its
            // outcomes (the window a reminder quotes, the passes that resolve it) stays as it is, so a check that is down
            // for hours does not write its alert at every run. A reminder that is due still takes the path below.
            return new AlertDecision(counted, null);
        }

        var recent = counted.Recent + (failed ? 'F' : 'P');
        if (recent.Length > AlertLimits.MaxRuns)
        {
            recent = recent[^AlertLimits.MaxRuns..];
        }

        counted = counted with { Recent = recent };
        var window = recent.Length > rule.Within ? recent[^rule.Within..] : recent;
        var failures = window.Count(c => c == 'F');
        var passes = recent.Length - recent.TrimEnd('P').Length;
        switch (alert.State)
        {
            case AlertState.Firing when passes >= rule.ResolveAfter:
                // A fresh window after resolving: old failures do not count toward the next firing.
                return Notify(counted with { State = AlertState.Resolved, Since = result.StartedAt, Recent = string.Empty }, AlertEvent.Resolved, now);
            case AlertState.Firing when ReminderDue(alert, rule, now):
                return Notify(counted, AlertEvent.Reminder, now);
            case AlertState.Firing:
                return new AlertDecision(counted, null);
            case var _ when failures >= rule.After:
                var since = alert.State == AlertState.Pending ? alert.Since : result.StartedAt;
                var problem = result.Failure ?? (result.Problems.Count > 0 ? result.Problems[0] : null);
                return Notify(counted with { State = AlertState.Firing, Since = since, TriggerResultId = result.Id, Reason = problem?.Category }, AlertEvent.Firing, now);
            case var _ when failures > 0:
                return new AlertDecision(
                    counted with { State = AlertState.Pending, Since = alert.State == AlertState.Pending ? alert.Since : result.StartedAt }, null);
            case AlertState.Pending:
                // The failures left the window without firing.
                return new AlertDecision(counted with { State = AlertState.Ok, Since = result.StartedAt }, null);
            default:
                return new AlertDecision(counted, null);
        }
    }

    /// <summary>Whether the last <c>Within</c> outcomes the alert holds are all <paramref name="outcome"/> (a whole window of them).</summary>
    private static bool WindowHoldsOnly(Alert alert, EffectiveAlertRule rule, char outcome) =>
        alert.Recent.Length >= rule.Within && alert.Recent.AsSpan(alert.Recent.Length - rule.Within).IndexOfAnyExcept(outcome) < 0;

    /// <summary>Whether a firing alert is due its reminder: <c>repeat</c> has passed since it last notified.</summary>
    private static bool ReminderDue(Alert alert, EffectiveAlertRule rule, DateTimeOffset now) =>
        rule.Repeat > TimeSpan.Zero && now - (alert.LastNotifiedAt ?? alert.Since) >= rule.Repeat;

    private static bool OnlyDrifted(ProbeResult result) =>
        result.Problems.Where(p => p.Severity == ProblemSeverity.Error).All(p => p.Category == FailureCategories.DnsDrift);

    private static AlertDecision Notify(Alert next, AlertEvent @event, DateTimeOffset now) =>
        new(next with { Sequence = next.Sequence + 1, LastNotifiedAt = now }, @event);
}
