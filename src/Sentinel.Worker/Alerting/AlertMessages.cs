using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// What notifications say: what failed, since when, the category and its hint, the last result's key figures and a
/// link to the check, so that the reader knows what to do without opening anything else. One text, rendered as the
/// email's plain-text part, its HTML part (the same lines, escaped) and the webhook's JSON.
/// </summary>
internal static class AlertMessages
{
    /// <summary>The measurements a message shows when a result has them, in this order.</summary>
    private static readonly string[] KeyMeasurements =
    [
        "http.status_code", "cert.days_left", "cert.chain_days_left", "tls.version", "dns.rcode", "dns.answers",
        "icmp.loss_ratio", "path.loss_ratio", "path.hops",
    ];

    /// <summary>The message of a check's alert, which <paramref name="result"/> changed from <paramref name="before"/> to <paramref name="alert"/>.</summary>
    public static AlertMessage CheckFailing(Alert before, Alert alert, AlertEvent @event, EffectiveAlertRule rule, CheckDefinition check, ProbeResult result, string? link)
    {
        var problem = result.Failure ?? (result.Problems.Count > 0 ? result.Problems[0] : null);
        var lines = new List<string>();
        string subject;
        var what = $"{check.Name} ({check.Id}, {check.Type} {check.Target})";
        if (@event == AlertEvent.Resolved)
        {
            subject = $"[RESOLVED] {check.Name}";
            lines.Add($"{what} passes again since {Time(result.StartedAt)}.");
            lines.Add($"It had been failing since {Time(before.Since)} ({Duration.Format(Whole(result.StartedAt - before.Since))}){(alert.Reason is { } r ? $", {r}" : "")}.");
        }
        else
        {
            var category = problem?.Category ?? "failing";
            subject = $"{(@event == AlertEvent.Reminder ? "[STILL FIRING]" : "[FIRING]")} {check.Name}: {category}";
            var failures = alert.Recent.Length > rule.Within ? alert.Recent[^rule.Within..] : alert.Recent;
            lines.Add($"{what} failed {failures.Count(c => c == 'F')} of its last {failures.Length} run{(failures.Length == 1 ? "" : "s")}, failing since {Time(alert.Since)}.");
            lines.Add(string.Empty);
            if (problem is not null)
            {
                lines.Add($"What failed: {problem.Message}");
                lines.Add($"Category:    {problem.Category} ({problem.Layer})");
                lines.Add($"Hint:        {problem.Hint}");
            }
        }

        return ForCheck(subject, lines, alert, @event, check, result, link,
            @event == AlertEvent.Resolved ? result.StartedAt : alert.Since, problem?.Category ?? alert.Reason, problem?.Hint);
    }

    /// <summary>
    /// A message about a check, from its subject and the lines that say what happened: the last result's figures, the
    /// alert's severity and identity and the link to the check are added, and the payload every check alert carries
    /// (without a hint once resolved).
    /// </summary>
    public static AlertMessage ForCheck(
        string subject, List<string> lines, Alert alert, AlertEvent @event, CheckDefinition check, ProbeResult result, string? link,
        DateTimeOffset since, string? category, string? hint)
    {
        lines.Add(string.Empty);
        lines.AddRange(Figures(result));
        lines.Add(string.Empty);
        lines.Add(Identity(alert));
        if (link is not null)
        {
            lines.Add($"Check: {link}");
        }

        return Render(subject, lines, new AlertPayload
        {
            Event = Alert.Name(@event),
            Kind = alert.Kind,
            Key = alert.Key,
            Title = alert.Title,
            Severity = alert.Severity,
            Since = since,
            Subject = subject,
            Text = string.Empty,
            Category = category,
            Hint = @event == AlertEvent.Resolved ? null : hint,
            Link = link,
            ResultId = result.Id,
            Check = new AlertCheck(check.Id, check.Name, check.Type, check.Target),
        });
    }

    /// <summary>The line every message ends with: the alert's severity, kind, key and the notification's number.</summary>
    public static string Identity(Alert alert) => $"Severity: {alert.Severity}; alert {alert.Kind} {alert.Key}, notification {alert.Sequence}.";

    /// <summary>The message of this node's blindness alert.</summary>
    public static AlertMessage Blind(Alert alert, AlertEvent @event, BlindVerdict verdict, DateTimeOffset now)
    {
        var lines = new List<string>();
        string subject;
        if (@event == AlertEvent.Resolved)
        {
            subject = $"[RESOLVED] Sentinel is blind on {alert.Key}";
            lines.Add($"Node {alert.Key} sees its targets again since {Time(now)}: {verdict.Unknown} of its {verdict.Total} results in the last {Duration.Format(BlindWatch.Window)} were unknown.");
        }
        else
        {
            subject = $"[FIRING] Sentinel is blind: {verdict.Reason ?? alert.Reason}";
            lines.Add($"Node {alert.Key} cannot tell whether its targets work: {verdict.Unknown} of its {verdict.Total} results in the last {Duration.Format(BlindWatch.Window)} were unknown, since {Time(alert.Since)}.");
            lines.Add(string.Empty);
            lines.Add($"Most common reason: {verdict.Reason ?? alert.Reason}");
            lines.Add("Hint:               the fault is on Sentinel's side (permissions, resources, its own configuration), not the targets'; " +
                      "their alerts are held back while it lasts. See the node's log.");
        }

        lines.Add(string.Empty);
        lines.Add(Identity(alert));
        var payload = new AlertPayload
        {
            Event = Alert.Name(@event),
            Kind = alert.Kind,
            Key = alert.Key,
            Title = alert.Title,
            Severity = alert.Severity,
            Since = @event == AlertEvent.Resolved ? now : alert.Since,
            Subject = subject,
            Text = string.Empty,
            Category = verdict.Reason ?? alert.Reason,
        };
        return Render(subject, lines, payload);
    }

    /// <summary>The last result's key figures: status, phases and the measurements that say most.</summary>
    internal static IEnumerable<string> Figures(ProbeResult result)
    {
        yield return $"Last result: {StatusName(result.Status)} at {Time(result.StartedAt)}, took {Milliseconds(result.Duration)}";
        foreach (var phase in result.Phases)
        {
            yield return $"  {phase.Name,-12} {Milliseconds(phase.Duration)}";
        }

        foreach (var name in KeyMeasurements)
        {
            if (result.Measurements.TryGetValue(name, out var value))
            {
                yield return $"  {name,-12} {value.NumberText ?? value.Text ?? (value.Items is { } items ? string.Join(", ", items) : value.ToString())}";
            }
        }

        foreach (var other in result.Problems.Skip(1).Take(4))
        {
            yield return $"  also: {other.Category}: {other.Message}";
        }
    }

    /// <summary>The message's three forms from its subject, lines and payload (whose text is filled in here).</summary>
    public static AlertMessage Render(string subject, List<string> lines, AlertPayload payload)
    {
        var text = string.Join("\n", lines).TrimEnd() + "\n";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><body style=\"font-family: sans-serif\"><h2>").Append(WebUtility.HtmlEncode(subject)).Append("</h2>\n<pre style=\"font-family: monospace\">");
        html.Append(WebUtility.HtmlEncode(text));
        html.Append("</pre>\n");
        if (payload.Link is { } link)
        {
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">Open the check</a></p>\n");
        }

        html.Append("</body></html>\n");
        var json = JsonSerializer.Serialize(payload with { Text = text }, AlertingJsonContext.Default.AlertPayload);
        return new AlertMessage(subject, text, html.ToString(), json);
    }

    internal static TimeSpan Whole(TimeSpan span) => TimeSpan.FromSeconds(Math.Max(0, Math.Floor(span.TotalSeconds)));

    /// <summary>A time as messages write it: UTC, to the second.</summary>
    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Milliseconds(TimeSpan duration) => MeasurementValue.FormatNumber(duration.TotalMilliseconds) + " ms";

    private static string StatusName(ProbeStatus status) => status.ToString().ToLowerInvariant();
}
