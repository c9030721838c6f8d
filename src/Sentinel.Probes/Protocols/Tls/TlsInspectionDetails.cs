using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// What a TLS handshake showed: the version and cipher, the client certificate exchange, and every certificate
/// of the chain (those the server sent and those the chain needed from elsewhere) with its names, validity, days
/// left, key and signature. Probes embed it in their own details (as one JSON object, written through
/// <see cref="EmbeddedDetailsJsonConverter{TDetails}"/>, and <see cref="WriteReport"/>'s indented lines).
/// </summary>
internal sealed class TlsInspectionDetails : ProbeDetails
{
    private readonly TlsCapture _capture;
    private readonly TlsExpectations _expectations;
    private readonly TlsChain? _chain;
    private readonly DateTimeOffset _now;

    /// <summary>The inspection of <paramref name="capture"/> at <paramref name="now"/>; <paramref name="chain"/> is null when no certificate was captured.</summary>
    internal TlsInspectionDetails(TlsCapture capture, TlsExpectations expectations, TlsChain? chain, DateTimeOffset now) =>
        (_capture, _expectations, _chain, _now) = (capture, expectations, chain, now);

    /// <summary>The SNI name the handshake used, or null.</summary>
    public string? ServerName => _capture.ServerName;

    /// <summary>The name or address the certificate must cover.</summary>
    public string ExpectedHost => _expectations.Host;

    /// <summary>The negotiated version (<c>TLS 1.3</c>), or null before the handshake completed.</summary>
    public string? Version => _capture.Protocol is { } p ? TlsVersionNames.Of(p) : null;

    /// <summary>The negotiated cipher suite's IANA name, or null.</summary>
    public string? Cipher => _capture.CipherSuite?.ToString();

    /// <summary>The check's caFile, or <c>system</c>.</summary>
    public string Trust => _expectations.Trust.CaFile is { } caFile ? caFile : "system";

    /// <summary>.NET's own verdict (<c>RemoteCertificateChainErrors</c>, …), for reference; null when the handshake did not judge the certificates.</summary>
    public string? LibraryVerdict => _capture.Served.Count > 0 && !_capture.CapturedForInspectionOnly ? _capture.PolicyErrors.ToString() : null;

    public bool CapturedForInspectionOnly => _capture.CapturedForInspectionOnly;

    public TlsClientCertificateJson ClientCertificate => new(_capture);

    /// <summary>How many certificates the server sent.</summary>
    public int Sent => _capture.Served.Count;

    /// <summary>The chain as built, for whoever follows certificates across results (expiry alerts); null when no certificate was received.</summary>
    internal TlsChain? Chain => _chain;

    /// <summary>The chain from the leaf up, then what the server sent besides.</summary>
    public IEnumerable<TlsCertificateJson> Certificates => (_chain?.Certificates ?? []).Select(c => new TlsCertificateJson(c, _now));

    internal override JsonTypeInfo JsonTypeInfo => TlsJsonContext.Default.TlsInspectionDetails;

    public override void WriteReport(TextWriter writer)
    {
        if (_capture.Protocol is { } protocol)
        {
            writer.WriteLine($"  protocol    {TlsVersionNames.Of(protocol)}, {_capture.CipherSuite}");
        }

        writer.WriteLine($"  server name {_capture.ServerName ?? "(no SNI)"}; certificate checked for {_expectations.Host}");
        writer.WriteLine($"  trust       {_expectations.Trust.Description}");
        if (_capture.ClientCertificateRequested || _capture.ClientCertificate is not null)
        {
            var asked = _capture.ClientCertificateRequested
                ? "requested by the server" + (_capture.AcceptableClientIssuers.Count > 0 ? $" (from {string.Join("; ", _capture.AcceptableClientIssuers)})" : "")
                : "offered";
            writer.WriteLine($"  client cert {asked}, sent: {(_capture.ClientCertificate is { } c ? CertificateFacts.Printable(c.Subject) : "none")}");
        }

        if (_chain is null)
        {
            writer.WriteLine("  chain       no certificate received");
            return;
        }

        var sent = _capture.Served.Count;
        var needed = _chain.Path.Count(c => !c.Sent && c.Position == ChainPosition.Intermediate);
        writer.WriteLine($"  chain       {(sent == 1 ? "1 certificate" : $"{sent} certificates")} sent{(_capture.CapturedForInspectionOnly ? " (read for inspection only: the handshake failed)" : "")}"
            + $"; built: {string.Join(" -> ", _chain.Path.Select(c => c.Position.ToString().ToLowerInvariant()))}"
            + (_chain.Partial ? $" (issuer {_chain.Top.Facts.Issuer} not found)" : "")
            + (needed > 0 ? $"; {needed} intermediate{(needed == 1 ? "" : "s")} not sent" : ""));
        var index = 0;
        foreach (var certificate in _chain.Certificates)
        {
            var facts = certificate.Facts;
            var origin = certificate.Sent
                ? $"sent by the server (#{certificate.SentIndex})"
                : certificate.Source == "caFile" ? "not sent: from the check's caFile" : "not sent: from this node's system store";
            writer.WriteLine($"  certificate {index++}: {certificate.Position.ToString().ToLowerInvariant()}, {origin}");
            writer.WriteLine($"    subject   {facts.Subject}");
            writer.WriteLine($"    issuer    {facts.Issuer}{(facts.SelfIssued ? " (self-issued)" : "")}");
            if (facts.DnsNames.Count + facts.IpAddresses.Count > 0)
            {
                var names = facts.AlternativeNameList.ToList();
                writer.WriteLine($"    names     {string.Join(", ", names.Take(20))}{(names.Count > 20 ? $", and {names.Count - 20} more" : "")}");
            }

            writer.WriteLine($"    valid     {TlsVerdicts.Date(facts.NotBefore)} to {TlsVerdicts.Date(facts.NotAfter)}, {DaysLeft(facts)}");
            writer.WriteLine($"    key       {facts.KeyDescription}, signed with {facts.SignatureAlgorithm}");
            writer.WriteLine($"    serial    {facts.SerialNumber}");
            writer.WriteLine($"    sha256    {facts.Sha256}");
        }
    }

    private string DaysLeft(CertificateFacts facts)
    {
        var days = facts.DaysLeft(_now);
        if (facts.NotBefore > _now)
        {
            return $"NOT YET VALID: starts in {(facts.NotBefore - _now).TotalDays.ToString("0.0", CultureInfo.InvariantCulture)} days";
        }

        return days >= 0
            ? $"{days.ToString("0.0", CultureInfo.InvariantCulture)} days left"
            : $"EXPIRED {(-days).ToString("0.0", CultureInfo.InvariantCulture)} days ago";
    }
}

/// <summary>The client certificate exchange of a handshake in JSON.</summary>
internal sealed class TlsClientCertificateJson
{
    private readonly TlsCapture _capture;

    internal TlsClientCertificateJson(TlsCapture capture) => _capture = capture;

    /// <summary>Whether the server asked for a client certificate the client did not have.</summary>
    public bool Requested => _capture.ClientCertificateRequested;

    /// <summary>The subject of the certificate sent, or null.</summary>
    public string? Sent => _capture.ClientCertificate is { } c ? CertificateFacts.Printable(c.Subject) : null;

    public IReadOnlyList<string> AcceptableIssuers => _capture.AcceptableClientIssuers;
}

/// <summary>One certificate of an inspected chain in JSON: where it sits, where it came from, and its facts.</summary>
internal sealed class TlsCertificateJson
{
    private readonly ChainCertificate _certificate;
    private readonly DateTimeOffset _now;

    internal TlsCertificateJson(ChainCertificate certificate, DateTimeOffset now) => (_certificate, _now) = (certificate, now);

    [JsonConverter(typeof(LowerCaseEnumJsonConverter<ChainPosition>))]
    public ChainPosition Position => _certificate.Position;

    /// <summary><c>served</c>, <c>caFile</c> or <c>system</c>.</summary>
    public string Source => _certificate.Source;

    /// <summary>Its index in what the server sent; absent when the chain needed it from elsewhere.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SentIndex => _certificate.SentIndex;

    public string Subject => _certificate.Facts.Subject;

    public string Issuer => _certificate.Facts.Issuer;

    public string SerialNumber => _certificate.Facts.SerialNumber;

    public string Sha256 => _certificate.Facts.Sha256;

    public DateTimeOffset NotBefore => _certificate.Facts.NotBefore;

    public DateTimeOffset NotAfter => _certificate.Facts.NotAfter;

    /// <summary>Days until it expires at the inspection's time, rounded to 3 decimals; negative once expired.</summary>
    public double DaysLeft => Math.Round(_certificate.Facts.DaysLeft(_now), 3);

    public string KeyType => _certificate.Facts.KeyType;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? KeyBits => _certificate.Facts.KeyBits;

    public string SignatureAlgorithm => _certificate.Facts.SignatureAlgorithm;

    public bool SelfIssued => _certificate.Facts.SelfIssued;

    public IReadOnlyList<string> DnsNames => _certificate.Facts.DnsNames;

    public IReadOnlyList<System.Net.IPAddress> IpAddresses => _certificate.Facts.IpAddresses;
}
