using Microsoft.Extensions.Options;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Alerting;

/// <summary>A check's alert rule with the configured defaults filled in.</summary>
/// <param name="After">Fire when this many of the last <paramref name="Within"/> counted results failed.</param>
/// <param name="Within">The window <paramref name="After"/> counts in; never below it.</param>
/// <param name="ResolveAfter">Resolve after this many consecutive passes.</param>
/// <param name="Repeat">Remind while firing at this interval; zero never.</param>
/// <param name="Severity">Critical counts down results; warning counts down and degraded ones.</param>
/// <param name="Notify">The channels notified.</param>
internal sealed record EffectiveAlertRule(int After, int Within, int ResolveAfter, TimeSpan Repeat, AlertSeverity Severity, IReadOnlyList<string> Notify);

/// <summary>The configured alerting: channel names, and each check's rule with the defaults filled in.</summary>
internal sealed class AlertPolicy
{
    private readonly AlertingOptions _options;
    private readonly EffectiveAlertRule _defaults;

    public AlertPolicy(IOptions<AlertingOptions> options)
    {
        _options = options.Value;
        var d = _options.Defaults;
        AlertLimits.ParseRepeat(d.Repeat, out var repeat);
        _defaults = new EffectiveAlertRule(d.After, Math.Max(d.Within ?? d.After, d.After), d.ResolveAfter, repeat,
            AlertLimits.Severities.GetValueOrDefault(d.Severity, AlertSeverity.Critical), d.Notify);
    }

    /// <summary>The configured channel names, which checks' <c>alert.notify</c> may use.</summary>
    public IReadOnlyCollection<string> ChannelNames => _options.Channels.Keys;

    /// <summary>The options the policy was made from.</summary>
    public AlertingOptions Options => _options;

    /// <summary>The defaults every check's rule starts from.</summary>
    public EffectiveAlertRule Defaults => _defaults;

    /// <summary>The channels certificate alerts go to.</summary>
    public IReadOnlyList<string> CertificateChannels => _options.Certificates.Notify ?? _defaults.Notify;

    /// <summary>The channels DNS drift alerts go to.</summary>
    public IReadOnlyList<string> DnsChannels => _options.Dns.Notify ?? _defaults.Notify;

    /// <summary>The rule for <paramref name="check"/>, or null when its alerting is off.</summary>
    public EffectiveAlertRule? For(CheckDefinition check)
    {
        var rule = check.Alert;
        if (!rule.Enabled)
        {
            return null;
        }

        var after = rule.After ?? _defaults.After;

        // "within" defaults to "after" (consecutive failures); a check that raises "after" above the configured window widens it.
        var within = Math.Max(rule.Within ?? (rule.After is null ? _defaults.Within : after), after);
        return new EffectiveAlertRule(after, within, rule.ResolveAfter ?? _defaults.ResolveAfter, rule.Repeat ?? _defaults.Repeat,
            rule.Severity ?? _defaults.Severity, rule.Notify ?? _defaults.Notify);
    }

    /// <summary>The check's link under <see cref="AlertingOptions.PublicUrl"/>, or null when no public URL is set.</summary>
    public string? LinkTo(string checkId) =>
        _options.PublicUrl is { Length: > 0 } url ? $"{url.TrimEnd('/')}/checks/{Uri.EscapeDataString(checkId)}" : null;
}
