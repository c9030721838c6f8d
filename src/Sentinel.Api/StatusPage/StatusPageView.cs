using Sentinel.Api.Endpoints;

namespace Sentinel.Api.StatusPage;

/// <summary>
/// What the status page shows, read from <see cref="IResultHistory"/>: every shown check's latest state (one query) and
/// its uptime over each window (one query per window for all the checks, never one per check).
/// </summary>
/// <param name="Now">When the page was made.</param>
/// <param name="Checks">The shown checks, by id, each with its uptime per window.</param>
/// <param name="Certificates">The certificates the checks' latest runs saw, fewest days left first.</param>
internal sealed record StatusPageView(DateTimeOffset Now, IReadOnlyList<StatusPageCheck> Checks, IReadOnlyList<StatusPageCertificate> Certificates)
{
    /// <summary>The uptime windows, as the page names them.</summary>
    public static readonly IReadOnlyList<(string Name, TimeSpan Length)> Windows =
        [("24 h", TimeSpan.FromHours(24)), ("7 d", TimeSpan.FromDays(7)), ("30 d", TimeSpan.FromDays(30))];

    public static async Task<StatusPageView> LoadAsync(IResultHistory history, StatusPageOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var shown = Shown(await history.GetLatestAsync(cancellationToken).ConfigureAwait(false), options);
        var ids = shown.Select(c => c.Check).ToList();
        var uptimes = new List<IReadOnlyList<CheckUptime>>();
        foreach (var (_, length) in Windows)
        {
            uptimes.Add(await history.GetUptimeAsync(ids, now - length, now, cancellationToken).ConfigureAwait(false));
        }

        var checks = shown.Select((check, i) => new StatusPageCheck(check, uptimes.Select(u => u[i].Ratio).ToList())).ToList();
        var certificates = shown.Where(c => c.CertificateExpiresAt is not null)
            .Select(c => new StatusPageCertificate(c, c.CertificateExpiresAt!.Value, (c.CertificateExpiresAt!.Value - now).TotalDays))
            .OrderBy(c => c.DaysLeft).ThenBy(c => c.Check.Check, StringComparer.Ordinal)
            .ToList();
        return new StatusPageView(now, checks, certificates);
    }

    /// <summary>The checks the page shows: those with the configured label, or all.</summary>
    public static IEnumerable<CheckLatest> Shown(IEnumerable<CheckLatest> checks, StatusPageOptions options) =>
        options.LabelFilter is { } filter
            ? checks.Where(c => c.Labels.TryGetValue(filter.Name, out var value) && value == filter.Value)
            : checks;
}

/// <summary>One check of the page.</summary>
/// <param name="Check">The check and its latest state.</param>
/// <param name="Uptime">Its uptime ratio per window of <see cref="StatusPageView.Windows"/>; null where no run's state is known.</param>
internal sealed record StatusPageCheck(CheckLatest Check, IReadOnlyList<double?> Uptime)
{
    /// <summary>What the page calls its state: the latest run's status, <c>pending</c> before the first, <c>disabled</c> when off.</summary>
    public string State => !Check.Enabled ? "disabled" : Check.Latest?.Status ?? "pending";
}

/// <summary>A certificate a check's latest run saw.</summary>
/// <param name="Check">The check.</param>
/// <param name="ExpiresAt">When the certificate expires.</param>
/// <param name="DaysLeft">Days from the page's time to then, negative once expired.</param>
internal sealed record StatusPageCertificate(CheckLatest Check, DateTimeOffset ExpiresAt, double DaysLeft);
