using System.Net;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// One request and its response within a run (the first request, then one per redirect followed): its phases,
/// what was connected to, the status and headers, and the body sizes. Timestamps come from the probe's
/// TimeProvider; the connection and the timing stream report into it while .NET's HTTP stack runs.
/// </summary>
internal sealed class HttpHop(Uri url, string method, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly List<PhaseTiming> _phases = [];
    private long? _lastRead;

    private long? _lastWrite;

    public Uri Url { get; } = url;

    public string Method { get; } = method;

    /// <summary>When the hop started (before the connection, if one was opened).</summary>
    public long StartedAt { get; } = time.GetTimestamp();

    /// <summary>When the request was completely written, as of the first response byte.</summary>
    public long? RequestSentAt { get; private set; }

    /// <summary>When the first byte of the response arrived.</summary>
    public long? FirstByteAt { get; private set; }

    /// <summary>When the last byte of the body arrived.</summary>
    public long? LastByteAt { get; set; }

    /// <summary>When the hop's connection attempt began (the TCP connect to the target or the proxy), if it made one.</summary>
    public long? ConnectStartedAt { get; set; }

    /// <summary>Whether the hop opened a new connection (false: reused one, so no connect or TLS phase).</summary>
    public bool NewConnection { get; set; }

    public IPEndPoint? Remote { get; set; }

    public IPEndPoint? Local { get; set; }

    /// <summary>Completes when the connection attempt this hop started has ended, or null when it started none.</summary>
    public Task? Connecting { get; set; }

    /// <summary>Why the connection for this hop failed (dns, tcp, tls, proxy), when it did.</summary>
    public Problem? ConnectFailure { get; set; }

    public int? Status { get; set; }

    public string? Reason { get; set; }

    public Version? Version { get; set; }

    public string? Location { get; set; }

    /// <summary>Response headers as received (capped), sensitive values redacted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders { get; set; } = [];

    /// <summary>
    /// Response headers as received, one entry per field line, unredacted and untruncated (bounded by the 64 KiB
    /// header limit): for audits that must see cookie attributes and which of several fields came first. Never
    /// stored or shown as is.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> RawResponseHeaders { get; set; } = [];

    /// <summary>Request headers as sent (the check's and the client's own), sensitive values redacted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; set; } = [];

    /// <summary>
    /// The check's credential headers not sent on this hop because it goes to another origin than the check's URL
    /// (a redirect to another scheme, host or port), as curl and Go's client withhold them.
    /// </summary>
    public IReadOnlyList<string> WithheldHeaders { get; set; } = [];

    /// <summary>
    /// The certificate verdicts that stopped this hop after its TLS handshake, before the request was written
    /// (<c>insecure</c> off), or null when the certificate did not stop it.
    /// </summary>
    public IReadOnlyList<Problem>? CertificateRejection { get; set; }

    /// <summary>
    /// Sentinel's own work between the hop's phases (judging the certificate before the request goes out): in no
    /// phase, and taken out of the total, which measures the target.
    /// </summary>
    public TimeSpan Bookkeeping { get; set; }

    /// <summary>
    /// The response's length as blackbox_exporter's probe_http_content_length gives it (Go's
    /// Response.ContentLength): the Content-Length header, 0 for a status without a body, -1 when unknown
    /// (chunked, or read to the close).
    /// </summary>
    public long? ContentLength { get; set; }

    /// <summary>Body bytes as transferred (after chunked framing, before content decoding).</summary>
    public long? WireBytes { get; set; }

    /// <summary>Body bytes after content decoding; absent when the encoding is not one Sentinel decodes.</summary>
    public long? DecodedBytes { get; set; }

    public string? ContentEncoding { get; set; }

    /// <summary>The phases of this hop in order: resolve and connect and tls when it connected, processing, transfer.</summary>
    public IReadOnlyList<PhaseTiming> Phases
    {
        get
        {
            lock (_gate)
            {
                return [.. _phases];
            }
        }
    }

    public TimeSpan Duration(TimeProvider clock) => clock.GetElapsedTime(StartedAt, LastByteAt ?? clock.GetTimestamp());

    public void AddPhase(string name, TimeSpan duration)
    {
        lock (_gate)
        {
            _phases.Add(new PhaseTiming(name, duration));
        }
    }

    /// <summary>
    /// The error code of the first GOAWAY frame other than NO_ERROR the server sent on this hop's HTTP/2 connection
    /// (RFC 9113, 6.8, 7); NO_ERROR is a graceful close the client retries past, not a reason for a failure.
    /// </summary>
    public uint? GoAwayError { get; private set; }

    /// <summary>Called by the timing stream when the server sent a GOAWAY frame.</summary>
    public void OnGoAway(uint errorCode)
    {
        lock (_gate)
        {
            if (errorCode != 0)
            {
                GoAwayError ??= errorCode;
            }
        }
    }

    /// <summary>Called by the timing stream when request bytes were written.</summary>
    public void OnRequestBytesSent(long timestamp)
    {
        lock (_gate)
        {
            if (FirstByteAt is null)
            {
                _lastWrite = timestamp;
            }
        }
    }

    /// <summary>
    /// Called by the timing stream for every read that returned bytes (HTTP/2: of any frame);
    /// <paramref name="responseStarts"/> when they begin the response (HTTP/2: a HEADERS frame of a request stream).
    /// </summary>
    public void OnBytesRead(long timestamp, bool responseStarts)
    {
        lock (_gate)
        {
            if (responseStarts && FirstByteAt is null)
            {
                FirstByteAt = timestamp;
                RequestSentAt = _lastWrite;
            }

            _lastRead = timestamp;
        }
    }

    /// <summary>
    /// When the latest bytes came off the connection: once the body is complete, when its last byte did (HTTP/1.1 reads
    /// no further than the response; HTTP/2 may have read a control frame since, which makes it later, never earlier),
    /// however long the bytes then waited in the client's buffer while it parsed the head and Sentinel looked at it.
    /// </summary>
    public long? LastReadAt
    {
        get
        {
            lock (_gate)
            {
                return _lastRead;
            }
        }
    }

    /// <summary>When the request was written so far (for a deadline hit while waiting for the response).</summary>
    public long? LastWriteAt
    {
        get
        {
            lock (_gate)
            {
                return _lastWrite;
            }
        }
    }

    /// <summary>
    /// Records processing (request sent → first byte) and transfer (first byte → last byte), or as much of them
    /// as happened before <paramref name="end"/> when the exchange was cut short.
    /// </summary>
    public void CloseExchange(long end)
    {
        var sent = RequestSentAt ?? LastWriteAt;
        if (FirstByteAt is { } first)
        {
            if (sent is { } s)
            {
                AddPhase(PhaseNames.Processing, time.GetElapsedTime(s, first));
            }

            AddPhase(PhaseNames.Transfer, time.GetElapsedTime(first, LastByteAt ?? end));
        }
        else if (sent is { } s)
        {
            AddPhase(PhaseNames.Processing, time.GetElapsedTime(s, end));
        }
    }
}
