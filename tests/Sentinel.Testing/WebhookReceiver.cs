using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sentinel.Testing;

/// <summary>One request the receiver got: its body, headers, and whether its signature verified.</summary>
public sealed record WebhookDelivery(string Body, string? Timestamp, string? Signature, string? Delivery, bool SignatureValid);

/// <summary>
/// A webhook receiver on loopback (Kestrel in this process) that verifies each request's HMAC-SHA256 signature the
/// way a receiver should: <c>X-Sentinel-Signature: sha256=hex(HMAC(secret, timestamp + "." + body))</c> with
/// <c>X-Sentinel-Timestamp</c>, compared in constant time. It answers with the status <see cref="Status"/> says.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _secret;
    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();

    private WebhookReceiver(WebApplication app, string secret, int port)
    {
        _app = app;
        _secret = secret;
        Url = $"http://127.0.0.1:{port}/hook";
    }

    public string Url { get; }

    /// <summary>The status each request is answered with; default 204.</summary>
    public Func<int, int> Status { get; set; } = _ => StatusCodes.Status204NoContent;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries => _deliveries.ToArray();

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var port = TcpPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret, port);
        app.MapPost("/hook", receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var timestamp = request.Headers["X-Sentinel-Timestamp"].FirstOrDefault();
        var signature = request.Headers["X-Sentinel-Signature"].FirstOrDefault();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        var valid = signature is not null && timestamp is not null
            && long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected));
        _deliveries.Enqueue(new WebhookDelivery(body, timestamp, signature, request.Headers["X-Sentinel-Delivery"].FirstOrDefault(), valid));
        return Results.StatusCode(Status(_deliveries.Count));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
