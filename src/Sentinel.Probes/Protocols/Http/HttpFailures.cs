using System.Net.Http;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Classifies what .NET's HTTP stack throws while a request is sent or its body read: a failure already classified
/// by the connection (dns, tcp, tls), a deadline (<c>http_timeout</c>, naming the phase it hit), a response that is
/// not HTTP (<c>http_protocol_error</c>) or one cut short (<c>http_response_incomplete</c>).
/// </summary>
internal static class HttpFailures
{
    /// <summary>The HTTP/2 error code HTTP_1_1_REQUIRED (RFC 9113, 7).</summary>
    private const long Http11Required = 0xd;

    /// <summary>The problem for an exception of SendAsync (the status line and headers).</summary>
    public static Problem FromSend(Exception exception, HttpHop hop, CheckDefinition check, TimeProvider time)
    {
        // The connection classified its own failure; the exception may reach here wrapped or as a cancellation.
        if ((hop.ConnectFailure ?? Find<HttpConnectFailedException>(exception)?.Problem) is { } connect)
        {
            return connect;
        }

        if (exception is OperationCanceledException or TaskCanceledException)
        {
            return hop.LastWriteAt is { } sent
                ? Timeout($"no response from {hop.Url} within the check's timeout ({Duration.Format(check.Timeout)}): the request was sent {Ms(time.GetElapsedTime(sent))} before the deadline and no byte came back (processing)",
                    "the application did not answer in time: look at its latency, its logs, and what it waits for (a database, an upstream)")
                : Timeout($"the request to {hop.Url} could not be sent within the check's timeout ({Duration.Format(check.Timeout)})",
                    "the server does not read the request (a full receive window, a stuck server); compare with curl -v");
        }

        // The server's GOAWAY says why it closed the connection; .NET, racing that close, reports it either as the
        // protocol error it is or only as a new connection it could not use.
        if (hop.GoAwayError is { } goAway)
        {
            return Protocol($"HTTP/2 protocol error from {hop.Url}: the server closed the connection with GOAWAY {Http2ErrorName(goAway)}", Http2Hint(goAway));
        }

        var reason = Innermost(exception);
        if (exception is HttpRequestException request)
        {
            switch (request.HttpRequestError)
            {
                case HttpRequestError.InvalidResponse:
                    return Protocol($"{hop.Url} answered with something that is not a valid HTTP response: {reason}",
                        "something other than an HTTP server listens here, or the server (or a proxy in front) is broken; capture the raw response with curl -v --raw");
                case HttpRequestError.ConfigurationLimitExceeded:
                    return Protocol($"the response headers of {hop.Url} are larger than the 64 KiB Sentinel accepts: {reason}",
                        "the server sends enormous headers (often cookies piling up, or a loop adding headers); look at them with curl -sI");
                case HttpRequestError.ResponseEnded:
                    return Incomplete($"{hop.Url} closed the connection before sending a complete response header",
                        "the server or a proxy in front of it dropped the request: look for crashes, restarts or idle timeouts in their logs");
                case HttpRequestError.HttpProtocolError:
                    return Protocol($"HTTP/2 protocol error from {hop.Url}: {reason}", Http2Hint(Find<HttpProtocolException>(exception)?.ErrorCode));
                case HttpRequestError.VersionNegotiationError:
                    return Protocol($"{hop.Url} did not negotiate the HTTP version asked for: {reason}",
                        "for HTTP/2 over plain http the server must accept prior knowledge (h2c); over https it must offer h2 by ALPN, or set httpVersion to 1.1");
            }
        }

        if (Find<SocketException>(exception) is { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted } || Find<IOException>(exception) is not null)
        {
            return Incomplete($"the connection to {hop.Url} ended before the response header was complete: {reason}",
                "the server or a proxy in front of it reset the connection: look for crashes, restarts or limits in their logs");
        }

        return Protocol($"the exchange with {hop.Url} failed: {reason}", "compare with curl -v from this node");
    }

    /// <summary>
    /// With TLS 1.3 the client's handshake completes before the server has judged the client's certificate
    /// (RFC 8446, 4.4.2): a server that requires one and got none (or rejects it) answers with an alert on the first
    /// read, which .NET reports as a failed exchange. That is the TLS layer's failure, named as such — but only when
    /// the alert (an AuthenticationException, or OpenSSL's alert text) is really what ended the exchange: a server
    /// that merely asked for an optional certificate and then was slow or closed is the HTTP layer's failure.
    /// </summary>
    public static Problem AfterHandshake(Problem problem, Exception exception, HttpHop hop, TlsCapture capture)
    {
        var deadline = Chain(exception).Any(e => e is OperationCanceledException or TimeoutException);
        var alert = !deadline && Chain(exception).Any(e => e is System.Security.Authentication.AuthenticationException || e.Message.Contains(" alert ", StringComparison.Ordinal));
        return problem.Layer == Layers.Http && hop.NewConnection && hop.Url.Scheme == Uri.UriSchemeHttps && alert
            ? TlsHandshakeFailure.Classify(exception, hop.Url.Authority, capture)
            : problem;
    }

    /// <summary>The problem for an exception while reading the body.</summary>
    public static Problem FromBody(Exception exception, HttpHop hop, long received, CheckDefinition check, TimeProvider time)
    {
        if (exception is OperationCanceledException or TaskCanceledException)
        {
            var since = hop.FirstByteAt is { } first ? $", {Ms(time.GetElapsedTime(first))} after the first byte" : "";
            return Timeout($"the body of {hop.Url} was not complete within the check's timeout ({Duration.Format(check.Timeout)}): {HttpBodyReader.Size(received)} received{since} (transfer)",
                "the body is large or trickles in slowly: raise the timeout if that is expected, otherwise look at the server's throughput");
        }

        var reason = Innermost(exception);
        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse })
        {
            return Protocol($"the body of {hop.Url} broke off with a protocol error after {HttpBodyReader.Size(received)}: {reason}",
                "the server sent a body its framing does not allow (chunked encoding, Content-Length, HTTP/2 frames); capture it with curl -v --raw");
        }

        return Incomplete($"the connection to {hop.Url} ended after {HttpBodyReader.Size(received)} of the body, before its end: {reason}",
            "the server or a proxy in front of it closed the connection mid-response: look for crashes, restarts or timeouts in their logs");
    }

    private static Problem Timeout(string message, string hint) => new(Layers.Http, FailureCategories.HttpTimeout, message, hint);

    // RFC 9113, 7: HTTP_1_1_REQUIRED means the server will not speak HTTP/2 here, which its logs will not add to.
    private static string Http2Hint(long? errorCode) => errorCode == Http11Required
        ? "the server speaks only HTTP/1.1 here: set httpVersion to 1.1, or enable HTTP/2 on the server"
        : "the server reset the stream or the connection (RST_STREAM, GOAWAY); its logs say why";

    // RFC 9113, 7: the HTTP/2 error codes by value.
    private static readonly string[] Http2ErrorNames =
    [
        "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
        "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
    ];

    private static string Http2ErrorName(uint code) =>
        code < Http2ErrorNames.Length ? $"{Http2ErrorNames[code]} (0x{code:x})" : $"error code 0x{code:x}";

    private static Problem Protocol(string message, string hint) => new(Layers.Http, FailureCategories.HttpProtocolError, message, hint);

    private static Problem Incomplete(string message, string hint) => new(Layers.Http, FailureCategories.HttpResponseIncomplete, message, hint);

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        var message = e.Message.Length > 300 ? e.Message[..300] + "…" : e.Message;
        return new string(message.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private static string Ms(TimeSpan duration) => $"{duration.TotalMilliseconds:0.#} ms";
}
