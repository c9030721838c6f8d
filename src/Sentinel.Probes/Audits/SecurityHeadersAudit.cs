namespace Sentinel.Probes.Audits;

/// <summary>
/// The optional security headers of the page's final response: X-Content-Type-Options, Content-Security-Policy,
/// framing protection (CSP frame-ancestors, else X-Frame-Options) and Referrer-Policy. Their presence is always
/// recorded for the posture; findings only for the ones the check requires.
/// </summary>
internal static class SecurityHeadersAudit
{
    private const string Nosniff = "X-Content-Type-Options";
    private const string Csp = "Content-Security-Policy";
    private const string CspReportOnly = "Content-Security-Policy-Report-Only";
    private const string FrameOptions = "X-Frame-Options";
    private const string ReferrerHeader = "Referrer-Policy";

    // W3C Referrer Policy, 3: the policy tokens; browsers take the last one they know of a comma-separated list.
    private static readonly HashSet<string> ReferrerPolicies = new(StringComparer.OrdinalIgnoreCase)
    {
        "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin", "origin-when-cross-origin",
        "strict-origin-when-cross-origin", "unsafe-url",
    };

    /// <summary>Records the findings for the required headers; returns which protections are present.</summary>
    public static HeadersPosture Evaluate(IReadOnlySet<SecurityHeader> required, AuditExchange page, AuditFindings findings)
    {
        var response = page.Response!;
        var url = page.Request.Url;

        var nosniff = response.Values(Nosniff) is [var sniff, ..] && sniff.Trim().Equals("nosniff", StringComparison.OrdinalIgnoreCase);
        if (!nosniff && required.Contains(SecurityHeader.Nosniff))
        {
            var seen = response.Values(Nosniff) is [var value, ..] ? $"is {AuditEvidence.Quote(value)}, not nosniff" : "is missing";
            findings.Add(AuditIds.NosniffMissing, $"the {Nosniff} header of {url} {seen}: browsers may sniff a response into HTML or script",
                $"send {Nosniff}: nosniff on every response", AuditEvidence.Of(page, Nosniff, "Content-Type"));
        }

        var policies = response.Values(Csp).Where(p => p.Trim().Length > 0).ToList();
        if (policies.Count == 0 && required.Contains(SecurityHeader.Csp))
        {
            var reportOnly = response.Values(CspReportOnly).Count > 0 ? $" (only {CspReportOnly}, which reports violations but blocks nothing)" : "";
            findings.Add(AuditIds.CspMissing, $"{url} sends no {Csp}{reportOnly}",
                $"send a {Csp}; start from default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self', tried first as {CspReportOnly}",
                AuditEvidence.Of(page, Csp, CspReportOnly));
        }

        var framing = Framing(response, policies, out var framingProblem);
        if (!framing && required.Contains(SecurityHeader.Framing))
        {
            findings.Add(AuditIds.FramingMissing, $"any site can frame {url}: {framingProblem}",
                $"add frame-ancestors 'self' (or 'none') to the {Csp}, or send {FrameOptions}: DENY or SAMEORIGIN for older browsers",
                AuditEvidence.Of(page, Csp, FrameOptions));
        }

        var referrer = Referrer(response, out var referrerProblem);
        if (!referrer && required.Contains(SecurityHeader.ReferrerPolicy))
        {
            findings.Add(AuditIds.ReferrerPolicyMissing, $"the {ReferrerHeader} of {url} {referrerProblem}",
                $"send {ReferrerHeader}: strict-origin-when-cross-origin (or no-referrer)", AuditEvidence.Of(page, ReferrerHeader));
        }

        return new HeadersPosture(nosniff, policies.Count > 0, framing, referrer);
    }

    private static bool Framing(AuditResponse response, IReadOnlyList<string> policies, out string problem)
    {
        // CSP 3, frame-ancestors: directives are separated by ";", the name comes first and is case-insensitive.
        var ancestors = policies.SelectMany(p => p.Split(';')).Select(d => d.Trim())
            .FirstOrDefault(d => d.Split(' ', '\t')[0].Equals("frame-ancestors", StringComparison.OrdinalIgnoreCase));
        if (ancestors is not null)
        {
            problem = "";
            return true;
        }

        // RFC 7034: DENY or SAMEORIGIN; ALLOW-FROM was never widely supported and current browsers ignore it.
        var options = response.Values(FrameOptions);
        var value = options.Count > 0 ? options[0].Trim() : null;
        if (value is not null && (value.Equals("DENY", StringComparison.OrdinalIgnoreCase) || value.Equals("SAMEORIGIN", StringComparison.OrdinalIgnoreCase)))
        {
            problem = "";
            return true;
        }

        problem = value is null
            ? $"there is neither a frame-ancestors directive in a {Csp} nor an {FrameOptions} header"
            : $"{FrameOptions} is {AuditEvidence.Quote(value)}, which browsers ignore (only DENY and SAMEORIGIN work), and no {Csp} has frame-ancestors";
        return false;
    }

    private static bool Referrer(AuditResponse response, out string problem)
    {
        var values = response.List(ReferrerHeader);
        var known = values.LastOrDefault(v => ReferrerPolicies.Contains(v));
        if (known is null)
        {
            problem = values.Count == 0 ? "is missing: browsers fall back to their default" : $"is {AuditEvidence.Quote(response.Combined(ReferrerHeader)!)}, which browsers do not know";
            return false;
        }

        if (known.Equals("unsafe-url", StringComparison.OrdinalIgnoreCase))
        {
            problem = "is unsafe-url, which sends the full URL (path and query) to every site, even over plain HTTP";
            return false;
        }

        problem = "";
        return true;
    }
}
