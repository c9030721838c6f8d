using Sentinel.Probes.Checks;
using Sentinel.Probes.Names;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Audits;

/// <summary>
/// Runs a header audit after an http exchange that passed: reads HSTS from the first HTTPS response and the optional
/// security headers and cookies from the page (the last response), sends the CORS requests and preflights to the
/// page's URL and follows the plain-HTTP URL's redirects, which must lead to HTTPS, judges them (<see cref="HstsAudit"/>,
/// <see cref="CorsAudit"/>, <see cref="SecurityHeadersAudit"/>, <see cref="CookieAudit"/>), compares the posture with
/// the previous run's, and records findings, failure, measurements and series (<see cref="AuditVerdict"/>).
/// </summary>
internal static class HeaderAudit
{
    /// <summary>The plain-HTTP leg (its requests together) may take this share of the check's timeout (at most 5 s): port 80 is often filtered.</summary>
    private const double PlainShare = 0.25;

    public static async Task<AuditDetails> RunAsync(HttpAuditRun run, AuditSettings settings, CancellationToken cancellationToken)
    {
        var (check, section, context, result, outcome, _) = run;
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
                // The target answered the check's request but not this one: classified as the check's own exchange is.
                var failure = exchange.Failure!;
                result.Problem(failure with { Message = $"header audit, {purpose}: {failure.Message}" });
                details.Incomplete = $"{purpose} failed ({failure.Category}); the requests after it were not sent";
                return null;
            }

            return exchange;
        }

        // A plain-HTTP target is the plain-HTTP leg itself: its redirects (the check's own hops as far as it followed
        // them, then the audit's) must lead to HTTPS.
        PlainChain? plain = null;
        if (settings.Hsts.Enabled && target.Scheme == Uri.UriSchemeHttp)
        {
            plain = await PlainAsync(run, fetcher, details, target, chain, cancellationToken).ConfigureAwait(false);
        }

        // HSTS is read from the first HTTPS response on the way (RFC 6797 applies to redirects too). A plain-HTTP
        // target whose redirects the check does not follow: the HTTPS URL they lead to is fetched once to read the
        // policy, with the check's headers only when it is on the target's host (credentials do not follow a redirect
        // to another host, as curl drops them).
        var https = chain.FirstOrDefault(e => e.Https);
        if (settings.Hsts.Enabled && https is null && details.Incomplete is null && plain is { End: PlainEnd.Https } && plain.Last.RedirectTarget is { } secure)
        {
            https = await SendAsync("the HTTPS URL the plain-HTTP target redirects to", "GET", secure, [],
                withCheckHeaders: secure.IdnHost.Equals(target.IdnHost, StringComparison.OrdinalIgnoreCase)).ConfigureAwait(false);
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

        if (settings.Hsts.Enabled && target.Scheme == Uri.UriSchemeHttps && settings.Hsts.HttpRedirect && details.Incomplete is null)
        {
            plain = await PlainAsync(run, fetcher, details, settings.Hsts.PlainUrlFor(target), [], cancellationToken).ConfigureAwait(false);
        }

        // Not checked means not known to redirect: preloading is then not ready, whatever else holds.
        var plainNotChecked = plain is not null ? null
            : target.Scheme == Uri.UriSchemeHttps && !settings.Hsts.HttpRedirect ? "hsts.httpRedirect is false"
            : $"the audit stopped before it: {details.Incomplete ?? "it was not requested"}";

        var certificateValid = outcome.Inspection?.Problems.All(p => p.Severity != ProblemSeverity.Error) ?? true;
        var hsts = settings.Hsts.Enabled
            ? HstsAudit.Evaluate(settings.Hsts, new HstsInputs(https, plain, plainNotChecked, certificateValid, PublicSuffixList.System), findings)
            : null;
        var corsPosture = settings.Cors.Enabled ? CorsAudit.Evaluate(settings.Cors, page, cors, findings) : null;
        var headers = SecurityHeadersAudit.Evaluate(settings.SecurityHeaders, page, findings);
        if (settings.SecurityHeaders.Contains(SecurityHeader.Cookies))
        {
            CookieAudit.Evaluate(page, findings);
        }

        if (settings.Posture && details.Incomplete is null)
        {
            details.Posture = new AuditPosture(hsts, corsPosture, headers, check.Target);
            await ComparePostureAsync(check, context, details, page, findings, cancellationToken).ConfigureAwait(false);
        }

        AuditVerdict.Apply(result, settings, findings.All, hsts);
        return details;
    }

    /// <summary>
    /// Follows the plain-HTTP leg from <paramref name="url"/> (<see cref="PlainRedirects"/>) within its own share of the
    /// deadline. The audit's own requests there carry none of the check's headers: they go over plain HTTP, where
    /// anyone on the path reads them, and a redirect needs no credentials. Whatever stops a request (nothing
    /// listening, a filter, the share running out) only means the redirect could not be checked, unless the check's
    /// own deadline hit, which is a failure like any other (and null is returned).
    /// </summary>
    private static async Task<PlainChain?> PlainAsync(HttpAuditRun run, AuditFetcher fetcher, AuditDetails details, Uri url, IReadOnlyList<AuditExchange> known, CancellationToken cancellationToken)
    {
        var share = TimeSpan.FromTicks(Math.Min((long)(run.Check.Timeout.Ticks * PlainShare), TimeSpan.FromSeconds(5).Ticks));
        using var budget = new CancellationTokenSource(share, run.Context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        async Task<AuditExchange?> SendAsync(Uri hop, int index)
        {
            var purpose = index == 0 ? "the plain-HTTP request, which must redirect to HTTPS" : $"redirect {index} of the plain-HTTP request";
            var exchange = await fetcher.SendAsync(purpose, "GET", hop, [], withCheckHeaders: false, linked.Token).ConfigureAwait(false);
            if (exchange.Response is null && cancellationToken.IsCancellationRequested)
            {
                run.Result.Problem(exchange.Failure! with { Message = $"header audit, {purpose}: {exchange.Failure!.Message}" });
                details.Incomplete = "the check's deadline hit during the plain-HTTP request";
                return null;
            }

            if (exchange.Response is null && budget.IsCancellationRequested)
            {
                exchange = exchange with { Failure = exchange.Failure! with { Message = $"no answer within {Duration.Format(share)}, the share of the check's timeout this request may take" } };
            }

            details.Add(exchange);
            return exchange;
        }

        return await PlainRedirects.FollowAsync(url, known, SendAsync).ConfigureAwait(false);
    }

    private static async Task ComparePostureAsync(CheckDefinition check, ProbeContext context, AuditDetails details, AuditExchange page, AuditFindings findings, CancellationToken cancellationToken)
    {
        if (await AuditBaseline.CompareAsync(details.Posture!, check.Id, context, cancellationToken).ConfigureAwait(false) is not { } compared)
        {
            return;
        }

        var (baseline, stored) = compared;
        var since = $"stored {stored.UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z by {stored.UpdatedBy}";
        details.ComparedWith = $"the baseline {since}";
        var changes = details.Posture!.RegressionsSince(baseline);
        details.Regressions = changes;
        details.BaselineDescribed = baseline.Describe();
        if (changes.Count > 0)
        {
            var evidence = new List<KeyValuePair<string, string>>
            {
                new("baseline", $"{baseline.Describe()} ({since})"),
            };
            evidence.AddRange(AuditEvidence.Of(page, "Strict-Transport-Security", "Access-Control-Allow-Origin", "X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"));
            findings.Add(AuditIds.PostureRegressed, $"the header posture of {page.Request.Url} is weaker than its baseline ({since}): {string.Join("; ", changes)}",
                $"if the change is intended, make this posture the baseline with: sentinel audit accept {check.Id}; otherwise roll back the deploy or configuration change that made it. The finding repeats on every run until one or the other",
                evidence);
        }
    }
}
