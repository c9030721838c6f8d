using Sentinel.Probes.Checks;
using Sentinel.Probes.Http;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Headers;

/// <summary>Everything an audit needs from the http run it follows.</summary>
/// <param name="Check">The check.</param>
/// <param name="Section">Its http settings (request headers, TLS, version), with which the audit's own requests go out.</param>
/// <param name="Settings">The audit settings.</param>
/// <param name="Context">The probe context (clock, state store, randomness).</param>
/// <param name="Result">The result being built.</param>
/// <param name="Outcome">The exchange of the address the result describes; it passed.</param>
/// <param name="CreateLease">Makes an HTTP client pinned to that address, for the audit's own requests.</param>
internal sealed record AuditRun(
    CheckDefinition Check, HttpSection Section, AuditSettings Settings, ProbeContext Context, ProbeResultBuilder Result, HttpAddressOutcome Outcome, Func<HttpClientLease> CreateLease);

/// <summary>
/// Runs a header audit after an http exchange that passed: reads HSTS from the first HTTPS response and the optional
/// security headers and cookies from the page (the last response), sends the CORS requests and preflights to the
/// page's URL and the plain-HTTP request that must redirect, judges them (<see cref="HstsAudit"/>,
/// <see cref="CorsAudit"/>, <see cref="SecurityHeadersAudit"/>, <see cref="CookieAudit"/>), compares the posture with
/// the previous run's, and records findings, failure, measurements and series (<see cref="AuditVerdict"/>).
/// </summary>
internal static class HeaderAudit
{
    /// <summary>The plain-HTTP request may take this share of the check's timeout (at most 5 s): port 80 is often filtered.</summary>
    private const double PlainShare = 0.25;

    public static async Task<AuditDetails> RunAsync(AuditRun run, CancellationToken cancellationToken)
    {
        var (check, section, settings, context, result, outcome, _) = run;
        var details = new AuditDetails();
        var findings = new AuditFindings(settings);
        var hops = outcome.Exchange.Hops;
        var chain = hops.Select((hop, i) => AuditFetcher.FromHop(i == 0 ? "the check's request" : $"redirect {i} of the check's request", hop, [])).ToList();
        chain.ForEach(details.Add);
        var page = chain[^1];
        var target = hops[0].Url;

        using var lease = run.CreateLease();
        var fetcher = new AuditFetcher(check, section, context, lease);
        async Task<AuditExchange?> SendAsync(string purpose, string method, Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, bool withCheckHeaders)
        {
            var exchange = await fetcher.SendAsync(purpose, method, url, headers, withCheckHeaders, cancellationToken).ConfigureAwait(false);
            details.Add(exchange);
            if (exchange.Response is null)
            {
                // The target answered the check's request but not this one: classified as the http probe classifies it.
                var failure = exchange.Failure!;
                result.Problem(failure with { Message = $"header audit, {purpose}: {failure.Message}" });
                details.Incomplete = $"{purpose} failed ({failure.Category}); the requests after it were not sent";
                return null;
            }

            return exchange;
        }

        // HSTS is read from the first HTTPS response on the way (RFC 6797 applies to redirects too). A plain-HTTP
        // target that redirects without the check following: its HTTPS URL is fetched once to read the policy.
        var https = chain.FirstOrDefault(e => e.Https);
        if (settings.Hsts.Enabled && https is null && target.Scheme == Uri.UriSchemeHttp && chain[0].RedirectTarget is { Scheme: "https" } secure)
        {
            https = await SendAsync("the HTTPS URL the plain-HTTP target redirects to", "GET", secure, [], withCheckHeaders: true).ConfigureAwait(false);
        }

        var cors = new List<(CorsProbe Probe, AuditExchange Exchange)>();
        if (settings.Cors.Enabled && details.Incomplete is null)
        {
            foreach (var probe in CorsPlan.Create(settings.Cors, context.Random))
            {
                if (await SendAsync(probe.Purpose, probe.Method, page.Request.Url, probe.Headers, probe.WithCheckHeaders).ConfigureAwait(false) is not { } exchange)
                {
                    break;
                }

                cors.Add((probe, exchange));
            }
        }

        AuditExchange? plain = null;
        var plainChecked = target.Scheme == Uri.UriSchemeHttp || settings.Hsts.HttpRedirect;
        if (settings.Hsts.Enabled && details.Incomplete is null)
        {
            plain = target.Scheme == Uri.UriSchemeHttp ? chain[0] : plainChecked ? await PlainAsync(run, fetcher, settings.Hsts.PlainUrlFor(target), cancellationToken).ConfigureAwait(false) : null;
            if (plain is not null && !chain.Contains(plain))
            {
                details.Add(plain);
            }
            else if (plain is null && cancellationToken.IsCancellationRequested)
            {
                details.Incomplete = "the check's deadline hit during the plain-HTTP request";
            }
        }

        var certificateValid = outcome.Inspection?.Problems.All(p => p.Severity != ProblemSeverity.Error) ?? true;
        var hsts = settings.Hsts.Enabled
            ? HstsAudit.Evaluate(settings.Hsts, new HstsInputs(https, plain, plainChecked, target.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6, certificateValid), findings)
            : null;
        var corsPosture = settings.Cors.Enabled ? CorsAudit.Evaluate(settings.Cors, page, cors, findings) : null;
        var headers = SecurityHeadersAudit.Evaluate(settings.SecurityHeaders, page, findings);
        if (settings.SecurityHeaders.Contains(SecurityHeader.Cookies))
        {
            CookieAudit.Evaluate(page, findings);
        }

        if (settings.Posture && details.Incomplete is null)
        {
            details.Posture = new AuditPosture(hsts, corsPosture, headers);
            await ComparePostureAsync(check, context, details, page, findings, cancellationToken).ConfigureAwait(false);
        }

        AuditVerdict.Apply(result, settings, findings.All, hsts);
        return details;
    }

    /// <summary>
    /// Requests the plain-HTTP URL within its own share of the deadline. Whatever stops it (nothing listening, a
    /// filter, its share running out) only means the redirect could not be checked, unless the check's own
    /// deadline hit, which is a failure like any other.
    /// </summary>
    private static async Task<AuditExchange?> PlainAsync(AuditRun run, AuditFetcher fetcher, Uri url, CancellationToken cancellationToken)
    {
        var share = TimeSpan.FromTicks(Math.Min((long)(run.Check.Timeout.Ticks * PlainShare), TimeSpan.FromSeconds(5).Ticks));
        using var budget = new CancellationTokenSource(share, run.Context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        var purpose = "the plain-HTTP request, which must redirect to HTTPS";
        var exchange = await fetcher.SendAsync(purpose, "GET", url, [], withCheckHeaders: true, linked.Token).ConfigureAwait(false);
        if (exchange.Response is not null)
        {
            return exchange;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            run.Result.Problem(exchange.Failure! with { Message = $"header audit, {purpose}: {exchange.Failure!.Message}" });
            return null;
        }

        return budget.IsCancellationRequested
            ? exchange with { Failure = exchange.Failure! with { Message = $"no answer within {Duration.Format(share)}, the share of the check's timeout this request may take" } }
            : exchange;
    }

    private static async Task ComparePostureAsync(CheckDefinition check, ProbeContext context, AuditDetails details, AuditExchange page, AuditFindings findings, CancellationToken cancellationToken)
    {
        if (await details.Posture!.ExchangeAsync(check.Id, context, cancellationToken).ConfigureAwait(false) is not { } compared)
        {
            return;
        }

        var (previous, stored) = compared;

        var since = $"the run of {stored.UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({stored.UpdatedBy})";
        details.ComparedWith = since;
        var changes = details.Posture.RegressionsSince(previous);
        if (changes.Count > 0)
        {
            var evidence = new List<KeyValuePair<string, string>>
            {
                new("previous posture", $"stored {since}"),
            };
            evidence.AddRange(AuditEvidence.Of(page, "Strict-Transport-Security", "Access-Control-Allow-Origin", "X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"));
            findings.Add(AuditIds.PostureRegressed, $"the header posture of {page.Request.Url} is weaker than at {since}: {string.Join("; ", changes)}",
                "if the change is intended there is nothing to do (the next run compares with this posture); otherwise roll back the deploy or configuration change that made it",
                evidence);
        }
    }
}
