using System.Text.RegularExpressions;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>What the final response must satisfy: an expected status, header patterns and body patterns.</summary>
internal static class HttpResponseChecks
{
    public static IEnumerable<Problem> Judge(HttpSection section, HttpHop hop, string? body)
    {
        var status = hop.Status!.Value;
        if (!section.Expects(status))
        {
            var redirect = hop.Location is not null && status is >= 300 and < 400
                ? $" (to {hop.Location}; redirects are {(section.FollowRedirects ? "followed only for 301, 302, 303, 307 and 308" : "not followed: followRedirects is false")})"
                : "";
            yield return new Problem(Layers.Http, FailureCategories.HttpStatus,
                $"{hop.Url} answered {status} {hop.Reason}{redirect}, expected {section.DescribeExpected()}",
                status switch
                {
                    >= 500 => "the server failed on its side: its logs for this URL say why",
                    401 or 403 => "the request is not authorised: does the check need an Authorization header, or did its credentials expire?",
                    404 => "the path does not exist on this server: check the URL, and the routing or virtual host that serves it",
                    >= 400 => "the server refused the request as sent: compare the check's method, headers and body with what the endpoint expects",
                    >= 300 => "add the status to expectStatus, or let the check follow redirects",
                    _ => "add the status to expectStatus if it is correct",
                });
        }

        foreach (var expected in section.HeaderMatches)
        {
            var values = Values(hop, expected.Name);
            if (values.Count == 0)
            {
                yield return Header($"{hop.Url} sent no {expected.Name} header, expected one matching /{expected.Pattern}/");
            }
            else if (!values.Any(v => IsMatch(expected.Pattern, v) == true))
            {
                yield return Header($"the {expected.Name} header of {hop.Url} is \"{Short(values[0])}\", expected to match /{expected.Pattern}/");
            }
        }

        foreach (var forbidden in section.HeaderNotMatches)
        {
            if (Values(hop, forbidden.Name).FirstOrDefault(v => IsMatch(forbidden.Pattern, v) == true) is { } value)
            {
                yield return Header($"the {forbidden.Name} header of {hop.Url} is \"{Short(value)}\", which matches the forbidden /{forbidden.Pattern}/");
            }
        }

        if (body is null)
        {
            yield break;
        }

        foreach (var pattern in section.BodyMatches)
        {
            switch (IsMatch(pattern, body))
            {
                case false:
                    yield return Body($"the body of {hop.Url} ({HttpBodyReader.Size(body.Length)}) does not match /{pattern}/; it begins \"{Short(body)}\"");
                    break;
                case null:
                    yield return SlowPattern(pattern, body.Length);
                    break;
            }
        }

        foreach (var pattern in section.BodyNotMatches)
        {
            switch (IsMatch(pattern, body))
            {
                case true:
                    var match = pattern.Match(body);
                    yield return Body($"the body of {hop.Url} matches the forbidden /{pattern}/ at character {match.Index}: \"{Short(body.Substring(Math.Max(0, match.Index - 20), Math.Min(body.Length - Math.Max(0, match.Index - 20), match.Length + 60)))}\"");
                    break;
                case null:
                    yield return SlowPattern(pattern, body.Length);
                    break;
            }
        }
    }

    /// <summary>
    /// The values of the header as received, one per field line: .NET's parsed view would split one value into
    /// several (a Server header's products, a Vary list) and a pattern would see a fragment of what was sent.
    /// </summary>
    private static List<string> Values(HttpHop hop, string name) =>
        hop.RawResponseHeaders.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    /// <summary>Whether the pattern matches; null when it ran out of its time (250 ms: a pathological pattern or input).</summary>
    private static bool? IsMatch(Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static Problem Header(string message) => new(Layers.Http, FailureCategories.HttpHeaderMismatch, message,
        "compare the response headers (curl -sI) with the check; a proxy or CDN in front may add, strip or rewrite them");

    private static Problem Body(string message) => new(Layers.Http, FailureCategories.HttpBodyMismatch, message,
        "fetch the URL and compare the body with the pattern; an error page served with status 200 is a common cause");

    // The verdict is unknown, not the target's fault: the pattern is the check's.
    private static Problem SlowPattern(Regex pattern, int length) => new(Layers.Probe, FailureCategories.ProbeError,
        $"the pattern /{pattern}/ did not finish on the {HttpBodyReader.Size(length)} body within {pattern.MatchTimeout.TotalMilliseconds:0} ms",
        "simplify the pattern (avoid nested quantifiers such as (a+)+), or match a smaller part of the body");

    private static string Short(string text)
    {
        var head = text.Length > 80 ? text[..80] + "…" : text;
        return new string(head.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
    }
}
