using System.Net;
using System.Net.Http;
using System.Text;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Runs a check's exchange against one address: the request, then each redirect it follows (each hop timed and
/// recorded), the body read with its cap, and the checks on the final response (status, headers, body).
/// </summary>
internal static class HttpAttempt
{
    /// <summary>
    /// The check's request headers that carry credentials: sent only to the origin of the check's URL. curl (7.58+
    /// Authorization, 7.83+ Cookie) and Go's client drop them on a redirect to another host; an https → http
    /// redirect would otherwise put them on the wire in clear text.
    /// </summary>
    private static readonly HashSet<string> Credentials = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-Auth-Token",
    };

    /// <summary>Header values redacted in reports and results: the credentials, and the cookies a response sets.</summary>
    private static readonly HashSet<string> Sensitive = new([.. Credentials, "Set-Cookie"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs the exchange; never throws for the target's failures.</summary>
    public static async Task<HttpAttemptOutcome> RunAsync(
        CheckDefinition check, HttpSection section, ProbeContext context, HttpMessageInvoker client, HttpConnector connector, CancellationToken cancellationToken)
    {
        var time = context.Time;
        var hops = new List<HttpHop>();
        var problems = new List<Problem>();
        var url = new Uri(check.Target);
        var origin = url;
        var method = section.Method;
        var body = section.Body;
        var visited = new HashSet<string>(StringComparer.Ordinal) { url.AbsoluteUri };
        connector.Deadline = cancellationToken;
        while (true)
        {
            var hop = new HttpHop(url, method, time);
            hops.Add(hop);
            connector.Hop = hop;
            using var request = Request(url, method, body, section, hop, SameOrigin(url, origin), connector.IsTargetHost(url.IdnHost));
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                if (hop.Connecting is { IsCompleted: false } connecting)
                {
                    // The request gave up first; the connection attempt classifies the deadline by its phase.
                    await connecting.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }

                problems.Add(HttpFailures.AfterHandshake(HttpFailures.FromSend(ex, hop, check, time), ex, hop, connector.Capture));
                hop.CloseExchange(time.GetTimestamp());
                break;
            }

            using (response)
            {
                Describe(hop, response);
                var redirect = section.FollowRedirects && IsRedirect(hop.Status!.Value) && hop.Location is not null;
                var (text, bodyProblem) = await ReadBodyAsync(response, hop, section, keep: !redirect && section.KeepsBody, check, time, cancellationToken).ConfigureAwait(false);
                hop.CloseExchange(time.GetTimestamp());
                if (bodyProblem is not null)
                {
                    problems.Add(bodyProblem);
                    break;
                }

                if (!redirect)
                {
                    problems.AddRange(HttpResponseChecks.Judge(section, hop, text));
                    break;
                }

                if (Next(hop, section, hops.Count - 1, visited, problems) is not { } next)
                {
                    break;
                }

                // RFC 9110, 15.4: 303 turns the next request into GET (HEAD stays HEAD); 301 and 302 do too for POST,
                // as every browser and curl without --post30x do; 307 and 308 repeat the method and the body.
                if (hop.Status == 303 && method != "HEAD" || hop.Status is 301 or 302 && method == "POST")
                {
                    method = "GET";
                    body = null;
                }

                url = next;
            }
        }

        return new HttpAttemptOutcome(hops, problems);
    }

    private static HttpRequestMessage Request(Uri url, string method, string? body, HttpSection section, HttpHop hop, bool sameOrigin, bool targetHost)
    {
        var https = url.Scheme == Uri.UriSchemeHttps;
        var request = new HttpRequestMessage(new HttpMethod(method), url)
        {
            Version = section.Version == HttpVersionPreference.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,

            // HTTP/2 over TLS is offered by ALPN and the server may pick 1.1; over plain http it is prior knowledge (h2c).
            VersionPolicy = section.Version == HttpVersionPreference.Http2 && !https ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        }

        // The check's Host names a virtual host on the check's own host; another host gets its own authority.
        var host = url.Authority;
        if (targetHost && section.Host is { } virtualHost)
        {
            request.Headers.Host = host = virtualHost;
        }

        var sent = new List<KeyValuePair<string, string>> { new("Host", host) };
        var withheld = new List<string>();
        foreach (var (name, value) in section.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!sameOrigin && Credentials.Contains(name))
            {
                withheld.Add(name);
                continue;
            }

            var added = request.Headers.TryAddWithoutValidation(name, value) || (request.Content?.Headers.TryAddWithoutValidation(name, value) ?? false);
            if (added)
            {
                sent.Add(new(name, Redact(name, value)));
            }
        }

        hop.WithheldHeaders = withheld;

        AddDefault(request, sent, "User-Agent", "Sentinel/1 (synthetic monitoring)");

        // Asked for by default, as a browser does, so that the sizes on the wire are what users get.
        AddDefault(request, sent, "Accept-Encoding", "gzip, deflate, br");
        AddDefault(request, sent, "Accept", "*/*");
        hop.RequestHeaders = sent;
        return request;
    }

    private static void AddDefault(HttpRequestMessage request, List<KeyValuePair<string, string>> sent, string name, string value)
    {
        if (!sent.Exists(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(name, value);
            sent.Add(new(name, value));
        }
    }

    private static void Describe(HttpHop hop, HttpResponseMessage response)
    {
        // NonValidated before anything parses the headers: parsing splits and reformats values (Vary: a, b becomes
        // two; Server: BaseHTTP/0.6 Python/3.11 becomes two products), while the raw form keeps one value per field
        // line, as received and in the order received. Matching, the report and the stored result all use it.
        hop.RawResponseHeaders = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v)))
            .ToList();
        hop.Status = (int)response.StatusCode;
        hop.Reason = response.ReasonPhrase;
        hop.Version = response.Version;
        hop.ContentEncoding = response.Content.Headers.ContentEncoding.Count > 0 ? string.Join(", ", response.Content.Headers.ContentEncoding) : null;
        hop.Location = response.Headers.Location?.OriginalString;
        hop.ContentLength = ContentLength(hop);
        hop.ResponseHeaders = hop.RawResponseHeaders
            .Select(h => new KeyValuePair<string, string>(h.Key, Redact(h.Key, Truncate(h.Value))))
            .Take(64)
            .ToList();
    }

    /// <summary>
    /// Go's Response.ContentLength, which blackbox_exporter exports as probe_http_content_length: after HEAD the
    /// Content-Length header (the length of what GET would send); 0 for 1xx, 204 and 304, which have no body
    /// (RFC 9112, 6.3); -1 when chunked (Transfer-Encoding overrides Content-Length) or without Content-Length.
    /// </summary>
    internal static long ContentLength(HttpHop hop)
    {
        var declared = hop.RawResponseHeaders.Where(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(h => long.TryParse(h.Value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1)
            .DefaultIfEmpty(-1)
            .First();
        if (hop.Method == "HEAD")
        {
            return declared;
        }

        if (hop.Status is < 200 or 204 or 304)
        {
            return 0;
        }

        return Chunked(hop) ? -1 : declared;
    }

    /// <summary>Whether the response's body is sent in chunks (Transfer-Encoding: chunked).</summary>
    internal static bool Chunked(HttpHop hop) =>
        hop.RawResponseHeaders.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));

    private static async Task<(string? Text, Problem? Problem)> ReadBodyAsync(
        HttpResponseMessage response, HttpHop hop, HttpSection section, bool keep, CheckDefinition check, TimeProvider time, CancellationToken cancellationToken)
    {
        Stream? content = null;
        try
        {
            content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await HttpBodyReader.ReadAsync(content, hop, section.MaxBodyBytes, keep, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return (null, HttpFailures.FromBody(ex, hop, hop.WireBytes ?? 0, check, time));
        }
        finally
        {
            if (content is not null)
            {
                await content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static Uri? Next(HttpHop hop, HttpSection section, int followed, HashSet<string> visited, List<Problem> problems)
    {
        if (!Uri.TryCreate(hop.Url, hop.Location, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add(new Problem(Layers.Http, FailureCategories.HttpProtocolError,
                $"{hop.Url} redirects ({hop.Status}) to \"{Truncate(hop.Location ?? "")}\", which is not an http or https URL",
                "fix the Location header of the redirect"));
            return null;
        }

        if (!visited.Add(next.AbsoluteUri))
        {
            problems.Add(new Problem(Layers.Http, FailureCategories.HttpTooManyRedirects,
                $"redirect loop: {hop.Url} redirects ({hop.Status}) to {next}, which was already visited after {followed + 1} redirect{(followed == 0 ? "" : "s")}",
                "follow the chain with curl -IL; rules that undo each other (http/https, www/apex, a trailing slash) make loops"));
            return null;
        }

        if (followed >= section.MaxRedirects)
        {
            problems.Add(new Problem(Layers.Http, FailureCategories.HttpTooManyRedirects,
                $"more than {section.MaxRedirects} redirect{(section.MaxRedirects == 1 ? "" : "s")}: {hop.Url} redirects ({hop.Status}) again, to {next}",
                "follow the chain with curl -IL; shorten it, or raise maxRedirects if it is expected"));
            return null;
        }

        return next;
    }

    private static bool IsRedirect(int status) => status is 301 or 302 or 303 or 307 or 308;

    /// <summary>Same scheme, host and port (RFC 6454's origin).</summary>
    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);

    private static string Redact(string name, string value) => Sensitive.Contains(name) ? "(redacted)" : value;

    private static string Truncate(string value) => value.Length > 512 ? value[..512] + "…" : value;
}

/// <summary>What one address's exchange yielded: its hops in order and the problems found.</summary>
internal sealed record HttpAttemptOutcome(IReadOnlyList<HttpHop> Hops, IReadOnlyList<Problem> Problems)
{
    public HttpHop Final => Hops[^1];
}
