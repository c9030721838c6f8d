using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Audits;

/// <summary>
/// Sends the audit's own requests (CORS, preflights, the plain-HTTP redirect) through the HTTP exchange machinery:
/// the check's <see cref="HttpClientLease"/> (its connector resolves, connects and does the TLS handshake as for the
/// check's own request, pinned to the same address) and <see cref="HttpAttempt"/> (the same request building, header
/// capture and failure classification). Each is one request, no redirect followed, body read up to 64 KiB and
/// ignored: only the status and the headers matter.
/// </summary>
internal sealed class AuditFetcher(CheckDefinition check, HttpSection section, ProbeContext context, HttpClientLease lease)
{
    /// <summary>The most body bytes read from an audit request's response (more is not an error here).</summary>
    public const long BodyCap = 64 * 1024;

    private static readonly IReadOnlyList<StatusPattern> AnyStatus = [new StatusPattern(100, 599)];

    /// <summary>Requests sent so far.</summary>
    public int Sent { get; private set; }

    /// <summary>
    /// Sends one request with <paramref name="headers"/> (and the check's own headers when
    /// <paramref name="withCheckHeaders"/>: its cookies and Authorization, as a page's credentialed request carries).
    /// Returns the response, or the classified failure; never throws for the target's failures.
    /// </summary>
    public async Task<AuditExchange> SendAsync(string purpose, string method, Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, bool withCheckHeaders, CancellationToken cancellationToken)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (withCheckHeaders)
        {
            foreach (var (name, value) in section.Headers.Where(h => !headers.Any(o => o.Key.Equals(h.Key, StringComparison.OrdinalIgnoreCase))))
            {
                merged[name] = value;
            }
        }

        foreach (var (name, value) in headers)
        {
            merged[name] = value;
        }

        var single = section with
        {
            Method = method,
            Headers = merged,
            Body = null,
            FollowRedirects = false,
            ExpectStatus = AnyStatus,
            BodyMatches = [],
            BodyNotMatches = [],
            HeaderMatches = [],
            HeaderNotMatches = [],
            MaxBodyBytes = Math.Min(BodyCap, section.MaxBodyBytes),
        };

        Sent++;
        var outcome = await HttpAttempt.RunAsync(check with { Target = url.AbsoluteUri }, single, context, lease.Invoker, lease.Connector, cancellationToken).ConfigureAwait(false);
        return FromHop(purpose, outcome.Hops[0], outcome.Problems);
    }

    /// <summary>
    /// The exchange of one hop: its response when the status line and headers came (a body cut short or over the cap
    /// does not matter to the audit), else the first classified problem.
    /// </summary>
    public static AuditExchange FromHop(string purpose, HttpHop hop, IReadOnlyList<Problem> problems)
    {
        var request = new AuditRequest(purpose, hop.Method, hop.Url, hop.RequestHeaders);
        return hop.Status is { } status
            ? new AuditExchange(request, new AuditResponse(status, hop.Reason, hop.RawResponseHeaders))
            : new AuditExchange(request, null, problems.FirstOrDefault(p => p.Severity == ProblemSeverity.Error) ?? (problems.Count > 0 ? problems[0] : null)
                ?? new Problem(Layers.Probe, FailureCategories.ProbeError, $"no response and no classified failure for {purpose}", "this is a fault in Sentinel; please report it"));
    }
}
