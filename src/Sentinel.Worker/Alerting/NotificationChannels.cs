using System.Net;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Worker.Alerting;

/// <summary>The configured channels, built once from <see cref="AlertingOptions.Channels"/>.</summary>
internal sealed class NotificationChannels : IDisposable
{
    private readonly HttpClient _http;

    public NotificationChannels(AlertPolicy policy, TimeProvider time)
    {
        // No redirects: a signed request goes where it was configured to, or fails.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Sentinel");
        var options = policy.Options;

        // Validated at start-up (AlertingConfiguration), so the file is readable here.
        var trust = TlsTrust.Load(options.Smtp.CaFile, out _);
        All = options.Channels
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Value.Type == "email"
                ? (INotificationChannel)new EmailChannel(c.Key, options.Smtp, c.Value.To, trust, time)
                : new WebhookChannel(c.Key, new Uri(c.Value.Url!), c.Value.Secret!, _http, time))
            .ToList();
    }

    /// <summary>Every channel, in name order.</summary>
    public IReadOnlyList<INotificationChannel> All { get; }

    /// <summary>The channel named <paramref name="name"/>, or null.</summary>
    public INotificationChannel? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    public void Dispose() => _http.Dispose();
}
