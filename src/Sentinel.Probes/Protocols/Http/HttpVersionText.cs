using System.Globalization;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// An HTTP version as Sentinel shows it everywhere (report, JSON, <c>http.version</c>, <c>probe_http_version</c>): as
/// the protocol is named, <c>1.0</c>, <c>1.1</c>, <c>2</c>, <c>3</c>. The number is blackbox_exporter's
/// probe_http_version: it parses the response's protocol ("HTTP/1.0" gives 1.0, Go's "HTTP/2.0" gives 2).
/// </summary>
internal static class HttpVersionText
{
    /// <summary><c>1.0</c>, <c>1.1</c>, <c>2</c>, <c>3</c>: HTTP/2 and later have no minor version (RFC 9113, 9114).</summary>
    public static string Of(Version version) =>
        version.Major >= 2 ? version.Major.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{version.Major}.{version.Minor}");

    /// <summary>The version as a number written as <see cref="Of"/> writes it, so that HTTP/1.0 reads 1.0 and not 1.</summary>
    public static MeasurementValue Measurement(Version version)
    {
        var text = Of(version);
        return MeasurementValue.Of(double.Parse(text, CultureInfo.InvariantCulture), text);
    }
}
