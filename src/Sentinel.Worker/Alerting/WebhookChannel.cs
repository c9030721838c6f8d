using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// A webhook channel: the notification's JSON POSTed to the configured URL, signed so that the receiver can tell it
/// came from this Sentinel and is fresh: <c>X-Sentinel-Timestamp</c> is the Unix time in seconds, and
/// <c>X-Sentinel-Signature</c> is <c>sha256=</c> and the lower-case hex HMAC-SHA256, keyed with the channel's secret,
/// of the timestamp, a dot and the body. <c>X-Sentinel-Delivery</c> names the notification, the same on every retry.
/// A 2xx status is accepted; 408, 429 and 5xx are tried again; any other status is a permanent rejection.
/// </summary>
internal sealed class WebhookChannel(string name, Uri url, string secret, HttpClient http, TimeProvider time) : INotificationChannel
{
    public string Name => name;

    public async Task DeliverAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(message.Payload);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-Sentinel-Timestamp", timestamp);
        request.Headers.Add("X-Sentinel-Signature", Sign(secret, timestamp, body));
        request.Headers.Add("X-Sentinel-Delivery", $"{message.AlertId}.{message.Sequence}.{message.Channel}");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The URL may carry a token: the message names the channel, never the URL.
            throw new DeliveryException($"cannot reach webhook {name}: {(ex is OperationCanceledException ? "no answer in time" : ex.Message)}", permanent: false, ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return;
            }

            var permanent = status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
            throw new DeliveryException($"webhook {name} answered {status} {response.ReasonPhrase}", permanent);
        }
    }

    /// <summary>The signature header's value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + 1 + body.Length];
        var written = Encoding.UTF8.GetBytes(timestamp, signed);
        signed[written] = (byte)'.';
        body.CopyTo(signed.AsSpan(written + 1));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
