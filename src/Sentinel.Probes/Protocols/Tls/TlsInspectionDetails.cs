using System.Globalization;
using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// What a TLS handshake showed: the version and cipher, the client certificate exchange, and every certificate
/// of the chain (those the server sent and those the chain needed from elsewhere) with its names, validity, days
/// left, key and signature. Probes embed it in their own details (<see cref="WriteJson"/> writes one object,
/// <see cref="WriteReport"/> indented lines), or use it as their details directly.
/// </summary>
internal sealed class TlsInspectionDetails(TlsCapture capture, TlsExpectations expectations, TlsChain? chain, DateTimeOffset now) : ProbeDetails
{
    public TlsCapture Capture { get; } = capture;

    public TlsExpectations Expectations { get; } = expectations;

    /// <summary>The chain, or null when no certificate was captured (the handshake failed before one arrived).</summary>
    public TlsChain? Chain { get; } = chain;

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("serverName", Capture.ServerName);
        writer.WriteString("expectedHost", Expectations.Host);
        writer.WriteString("version", Capture.Protocol is { } p ? TlsVersionNames.Of(p) : null);
        writer.WriteString("cipher", Capture.CipherSuite?.ToString());
        writer.WriteString("trust", Expectations.Trust.CaFile is { } caFile ? caFile : "system");
        writer.WriteString("libraryVerdict", Capture.Served.Count > 0 && !Capture.CapturedForInspectionOnly ? Capture.PolicyErrors.ToString() : null);
        writer.WriteBoolean("capturedForInspectionOnly", Capture.CapturedForInspectionOnly);
        writer.WriteStartObject("clientCertificate");
        writer.WriteBoolean("requested", Capture.ClientCertificateRequested);
        writer.WriteString("sent", Capture.ClientCertificate is { } c ? CertificateFacts.Printable(c.Subject) : null);
        writer.WriteStartArray("acceptableIssuers");
        foreach (var issuer in Capture.AcceptableClientIssuers)
        {
            writer.WriteStringValue(issuer);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteNumber("sent", Capture.Served.Count);
        writer.WriteStartArray("certificates");
        foreach (var certificate in Chain?.Certificates ?? [])
        {
            WriteCertificate(writer, certificate);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        if (Capture.Protocol is { } protocol)
        {
            writer.WriteLine($"  protocol    {TlsVersionNames.Of(protocol)}, {Capture.CipherSuite}");
        }

        writer.WriteLine($"  server name {Capture.ServerName ?? "(no SNI)"}; certificate checked for {Expectations.Host}");
        writer.WriteLine($"  trust       {Expectations.Trust.Description}");
        if (Capture.ClientCertificateRequested || Capture.ClientCertificate is not null)
        {
            var asked = Capture.ClientCertificateRequested
                ? "requested by the server" + (Capture.AcceptableClientIssuers.Count > 0 ? $" (from {string.Join("; ", Capture.AcceptableClientIssuers)})" : "")
                : "offered";
            writer.WriteLine($"  client cert {asked}, sent: {(Capture.ClientCertificate is { } c ? CertificateFacts.Printable(c.Subject) : "none")}");
        }

        if (Chain is null)
        {
            writer.WriteLine("  chain       no certificate received");
            return;
        }

        var sent = Capture.Served.Count;
        var needed = Chain.Path.Count(c => !c.Sent && c.Position == ChainPosition.Intermediate);
        writer.WriteLine($"  chain       {(sent == 1 ? "1 certificate" : $"{sent} certificates")} sent{(Capture.CapturedForInspectionOnly ? " (read for inspection only: the handshake failed)" : "")}"
            + $"; built: {string.Join(" -> ", Chain.Path.Select(c => c.Position.ToString().ToLowerInvariant()))}"
            + (Chain.Partial ? $" (issuer {Chain.Top.Facts.Issuer} not found)" : "")
            + (needed > 0 ? $"; {needed} intermediate{(needed == 1 ? "" : "s")} not sent" : ""));
        var index = 0;
        foreach (var certificate in Chain.Certificates)
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

    private void WriteCertificate(Utf8JsonWriter writer, ChainCertificate certificate)
    {
        var facts = certificate.Facts;
        writer.WriteStartObject();
        writer.WriteString("position", certificate.Position.ToString().ToLowerInvariant());
        writer.WriteString("source", certificate.Source);
        if (certificate.SentIndex is { } sentIndex)
        {
            writer.WriteNumber("sentIndex", sentIndex);
        }

        writer.WriteString("subject", facts.Subject);
        writer.WriteString("issuer", facts.Issuer);
        writer.WriteString("serialNumber", facts.SerialNumber);
        writer.WriteString("sha256", facts.Sha256);
        writer.WriteString("notBefore", facts.NotBefore);
        writer.WriteString("notAfter", facts.NotAfter);
        writer.WriteNumber("daysLeft", Math.Round(facts.DaysLeft(now), 3));
        writer.WriteString("keyType", facts.KeyType);
        if (facts.KeyBits is { } bits)
        {
            writer.WriteNumber("keyBits", bits);
        }

        writer.WriteString("signatureAlgorithm", facts.SignatureAlgorithm);
        writer.WriteBoolean("selfIssued", facts.SelfIssued);
        writer.WriteStartArray("dnsNames");
        foreach (var name in facts.DnsNames)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("ipAddresses");
        foreach (var address in facts.IpAddresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private string DaysLeft(CertificateFacts facts)
    {
        var days = facts.DaysLeft(now);
        if (facts.NotBefore > now)
        {
            return $"NOT YET VALID: starts in {(facts.NotBefore - now).TotalDays.ToString("0.0", CultureInfo.InvariantCulture)} days";
        }

        return days >= 0
            ? $"{days.ToString("0.0", CultureInfo.InvariantCulture)} days left"
            : $"EXPIRED {(-days).ToString("0.0", CultureInfo.InvariantCulture)} days ago";
    }
}
