using System.Text;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// Preload readiness end to end: a headers check of a registrable domain whose plain-HTTP URL redirects to HTTPS on
/// the same host, so that only the HTTPS response decides. The response comes from the site's Kestrel server, or
/// byte for byte from a TLS server of the test's own (for what Kestrel will not send: non-ASCII, control characters,
/// field names in other cases).
/// </summary>
public sealed class HstsPreloadReadinessTests(HstsSite site) : IClassFixture<HstsSite>
{
    private const string Ready = "max-age=31536000; includeSubDomains; preload";

    [Fact]
    public async Task RunAsync_TwoFieldsBothReady_IsNotReadyAsHstspreloadTakesExactlyOne()
    {
        var path = site.PathFor(Ready, Ready);

        var result = await RunAsync(path);

        Assert.Equal(["hsts.multiple_headers", "hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal("sentinel.test is not ready for the HSTS preload list: the HTTPS response has 2 Strict-Transport-Security fields; hstspreload.org takes exactly one, and judges the header only then [response.multiple_headers]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
        Assert.Equal(31536000, result.Measurements["audit.hsts_max_age"].Number);
    }

    [Fact]
    public async Task RunAsync_TwoFieldsWhoseNamesDifferInCase_AreTwoFieldsForHstspreload()
    {
        await using var server = Raw(Encoding.ASCII.GetBytes($"Strict-Transport-Security: {Ready}\r\nstrict-transport-security: {Ready}\r\n"));

        var result = await RunAsync(server);

        Assert.Equal(["hsts.multiple_headers", "hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.EndsWith("[response.multiple_headers]", HeadersChecks.Finding(result, "hsts.preload_not_ready").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_QuotedMaxAge_IsHonouredByBrowsersButNotReady()
    {
        var path = site.PathFor("max-age=\"31536000\"; includeSubDomains; preload");

        var result = await RunAsync(path);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal("sentinel.test is not ready for the HSTS preload list: max-age is written \"max-age=\"31536000\"\"; hstspreload.org reads only ASCII digits after \"max-age=\": no quotes, sign or space [header.parse.max_age.non_digit_characters]; there is no max-age hstspreload.org can read [header.preloadable.max_age.missing]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
        Assert.Equal(31536000, result.Measurements["audit.hsts_max_age"].Number);
    }

    [Fact]
    public async Task RunAsync_RepeatedMaxAge_IsIgnoredByBrowsersButReadyWithAWarningAndANote()
    {
        var path = site.PathFor("max-age=31536000; max-age=31536000; includeSubDomains; preload");

        var result = await RunAsync(path);

        Assert.Equal(["hsts.invalid", "hsts.preload_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal($"sentinel.test meets hstspreload.org's rules: {Ready}, and {site.PlainUrl(path)} redirects to {site.HttpsUrl(path)}; "
            + "hstspreload.org would warn: max-age appears more than once (hstspreload.org reads the first) [header.parse.repeated.max_age]; "
            + "but browsers ignore this header as written (hsts.invalid), so until the list reaches them it protects no one",
            HeadersChecks.Finding(result, "hsts.preload_ready").Message);
        Assert.False(result.Measurements.ContainsKey("audit.hsts_max_age"));
    }

    [Fact]
    public async Task RunAsync_DirectiveSentAsUtf8_IsReadAsHstspreloadsGoCodeReadsIt()
    {
        // "includeSubDomainſ" (U+017F, LONG S, sent as UTF-8): Go's case folding makes it includeSubDomains; to a
        // browser its bytes are no token, so the header is invalid.
        await using var server = Raw([.. "Strict-Transport-Security: max-age=31536000; includeSubDomain"u8, 0xC5, 0xBF, .. "; preload\r\n"u8]);

        var result = await RunAsync(server);

        Assert.Equal(["hsts.invalid", "hsts.preload_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.StartsWith($"sentinel.test meets hstspreload.org's rules: {Ready}, and ", HeadersChecks.Finding(result, "hsts.preload_ready").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ControlCharacterInAnotherField_IsNotReadyAsHstspreloadCannotReadTheResponse()
    {
        await using var server = Raw([.. Encoding.ASCII.GetBytes($"Strict-Transport-Security: {Ready}\r\nX-Trace: a"), 0x01, .. "b\r\n"u8]);

        var result = await RunAsync(server);

        Assert.Equal(["hsts.preload_not_ready"], HeadersChecks.Ids(result, "hsts."));
        Assert.Equal("sentinel.test is not ready for the HSTS preload list: the X-Trace field of the response holds a control character (U+0001), which Go's HTTP client refuses, so hstspreload.org cannot read the response at all [domain.tls.cannot_connect]",
            HeadersChecks.Finding(result, "hsts.preload_not_ready").Message);
    }

    /// <summary>A TLS server for the site's names answering every request with these header lines (and an empty body), then closing.</summary>
    private TlsServer Raw(ReadOnlySpan<byte> fields) => TlsServer.Start(site.Chain, new TlsServerOptions
    {
        Response = [.. "HTTP/1.1 200 OK\r\n"u8, .. fields, .. "Content-Length: 0\r\nConnection: close\r\n\r\n"u8],
    });

    /// <summary>Runs a headers check of the site's <paramref name="path"/>, on <paramref name="server"/> when given, else on the site's own HTTPS server.</summary>
    private Task<ProbeResult> RunAsync(string path, TlsServer? server = null) =>
        HeadersChecks.RunAsync(site.Parse(server is null ? site.HttpsUrl(path) : $"https://{HstsSite.Domain}:{server.EndPoint.Port}{path}", site.Section(path)));

    private Task<ProbeResult> RunAsync(TlsServer server) => RunAsync(site.PathFor(), server);
}
