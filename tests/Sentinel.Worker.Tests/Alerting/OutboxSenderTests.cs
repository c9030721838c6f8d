using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;
using static Sentinel.Worker.Tests.Alerting.AlertResults;

namespace Sentinel.Worker.Tests.Alerting;

/// <summary>The sender against a real SMTP server and a real webhook receiver on loopback, over a real outbox.</summary>
public sealed class OutboxSenderTests(PostgresCluster postgres)
{
    private const string Secret = "0123456789abcdef-webhook";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly OutboxTimings Fast = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1));

    [Fact]
    public async Task Sender_EmailChannel_SendsTextAndHtmlWithAuthAndMarksTheRowSent()
    {
        await using var smtp = await SmtpSink.StartAsync(credentials: ("sentinel", "s3cret-pass"));
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "oncall@example.test", auth: true);
        await FireAsync(database, policy, "payments-api", "sre-oncall");

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "sent", Bound, "the row marked sent");
        }

        var mail = Assert.Single(smtp.Messages);
        Assert.Equal("[FIRING] Payments API: tcp_refused", mail.Subject);
        Assert.Equal("oncall@example.test", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("sentinel@example.test", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Contains("Hint:        nothing listens on 127.0.0.1:443", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<h2>[FIRING] Payments API: tcp_refused</h2>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.StartsWith("alert.", mail.MessageId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StartTls")]
    [InlineData("Tls")]
    public async Task Sender_TlsWithAuth_TrustsTheServerThroughCaFileAndSendsOverTls(string security)
    {
        using var ca = TestCertificateAuthority.Create("Sentinel Mail Test");
        using var directory = new TempDirectory("sentinel-smtp-tls");
        var caFile = directory.Write("mail-ca.pem", ca.RootPem);
        var chain = ca.IssueFromRoot(new CertificateSpec { CommonName = "smtp.sentinel.test", IpAddresses = [IPAddress.Loopback] });
        await using var smtp = await SmtpSink.StartAsync(credentials: ("sentinel", "s3cret-pass"), certificate: chain.Leaf, implicitTls: security == "Tls");
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "oncall@example.test", auth: true, security: security, caFile: caFile);
        await FireAsync(database, policy, "payments-api", "sre-oncall");

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "sent", Bound, "the row marked sent");
        }

        // The sink takes AUTH only under TLS, so the user it records proves both.
        var session = Assert.Single(smtp.Sessions);
        Assert.True(session.Secure, $"the message did not come over TLS ({security})");
        Assert.Equal("sentinel", session.User);
        Assert.Equal("[FIRING] Payments API: tcp_refused", Assert.Single(smtp.Messages).Subject);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Sender_ServerCertificateFromAnotherCaOrForAnotherHost_IsNotTrustedAndNothingIsSent(bool fromStranger, bool namesTheHost)
    {
        using var ca = TestCertificateAuthority.Create("Sentinel Mail Test");
        using var stranger = TestCertificateAuthority.Create("Sentinel Stranger");
        using var directory = new TempDirectory("sentinel-smtp-tls");
        var caFile = directory.Write("mail-ca.pem", ca.RootPem);

        // The CA file's own CA, for a name that is not the configured host, is refused as much as a stranger's.
        var chain = (fromStranger ? stranger : ca).IssueFromRoot(namesTheHost
            ? new CertificateSpec { CommonName = "smtp.sentinel.test", IpAddresses = [IPAddress.Loopback] }
            : new CertificateSpec { CommonName = "other.sentinel.test", DnsNames = ["other.sentinel.test"] });
        await using var smtp = await SmtpSink.StartAsync(certificate: chain.Leaf);
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "oncall@example.test", security: "StartTls", caFile: caFile);
        await FireAsync(database, policy, "payments-api", "sre-oncall");

        await using (await StartSenderAsync(database, policy, Fast with { Round = TimeSpan.FromSeconds(2) }))
        {
            await Eventually.WaitAsync(async () => await database.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE last_error IS NOT NULL") > 0,
                Bound, "a failed attempt");
        }

        var error = await database.QueryValueAsync<string>("SELECT last_error FROM alert_outbox");
        Assert.StartsWith($"cannot reach the SMTP server 127.0.0.1:{smtp.Port}: ", error, StringComparison.Ordinal);
        Assert.Contains("certificate", error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("queued", await StateAsync(database));
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task Sender_SmtpDownForAWhileThenUp_EveryQueuedMessageArrivesOnce()
    {
        var port = TcpPorts.Free();
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(port, "oncall@example.test");
        foreach (var id in new[] { "a", "b", "c" })
        {
            await FireAsync(database, policy, id, "sre-oncall");
        }

        // Rounds of 3 s: a row the server did not take goes back to the outbox with the reason, for the next round.
        await using var sender = await StartSenderAsync(database, policy, Fast with { Round = TimeSpan.FromSeconds(3) });
        await Eventually.WaitAsync(async () => await database.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE last_error LIKE 'cannot reach the SMTP server%'") > 0,
            Bound, "a failed attempt while the server is down");
        Assert.Equal(0L, await database.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE state <> 'queued'"));

        await using var smtp = await SmtpSink.StartAsync(port);
        await Eventually.WaitAsync(async () => await database.QueryValueAsync<long>("SELECT count(*) FROM alert_outbox WHERE state = 'sent'") == 3, Bound, "every row sent");

        Assert.Equal(3, smtp.Messages.Count);
        Assert.Equal(3, smtp.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Sender_ServerAnswersAfterTheRoundEnds_TheAttemptFinishesAndTheMessageArrivesOnce()
    {
        // The server keeps the message and answers 1.5 s later, past a round of 1 s: cutting the attempt off there
        // would give the row back and send the message again every round.
        await using var smtp = await SmtpSink.StartAsync(replyDelay: TimeSpan.FromSeconds(1.5));
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "oncall@example.test");
        await FireAsync(database, policy, "payments-api", "sre-oncall");

        await using (await StartSenderAsync(database, policy, Fast with { Round = TimeSpan.FromSeconds(1) }))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "sent", Bound, "the row marked sent");
        }

        Assert.Single(smtp.Messages);
        Assert.Equal(1L, await database.QueryValueAsync<long>("SELECT attempts FROM alert_outbox"));
    }

    [Fact]
    public async Task Sender_PermanentRejection_MarksFailedWithTheReasonAndDoesNotRetry()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "reject-me@example.test");
        await FireAsync(database, policy, "payments-api", "sre-oncall");

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "failed", Bound, "the row marked failed");
        }

        var row = (await database.QueryListAsync<(int Attempts, string LastError)>("SELECT attempts, last_error FROM alert_outbox")).Single();
        Assert.Equal(1, row.Attempts);
        Assert.StartsWith("the SMTP server answered 550", row.LastError, StringComparison.Ordinal);
        Assert.Equal(1, smtp.Rejected);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task Sender_Webhook_PostsTheJsonSignedWithHmacSha256()
    {
        await using var hook = await WebhookReceiver.StartAsync(Secret);
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(1, "oncall@example.test", webhook: hook.Url);
        await FireAsync(database, policy, "payments-api", "hook");

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "sent", Bound, "the row marked sent");
        }

        var delivery = Assert.Single(hook.Deliveries);
        Assert.True(delivery.SignatureValid, delivery.Signature);
        Assert.Matches("^sha256=[0-9a-f]{64}$", delivery.Signature!);
        var json = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal("firing", json.GetProperty("event").GetString());
        Assert.Equal("tcp_refused", json.GetProperty("category").GetString());
        Assert.Equal("payments-api", json.GetProperty("check").GetProperty("id").GetString());
        Assert.EndsWith(".1.hook", delivery.Delivery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sender_WebhookBusyThenRejecting_RetriesTheFiveHundredsAndFailsOnTheFourHundred()
    {
        await using var hook = await WebhookReceiver.StartAsync(Secret);
        hook.Status = n => n < 3 ? 503 : 410;
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(1, "oncall@example.test", webhook: hook.Url);
        await FireAsync(database, policy, "payments-api", "hook");

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(async () => await StateAsync(database) == "failed", Bound, "the row marked failed");
        }

        Assert.Equal(3, hook.Deliveries.Count);
        Assert.Equal("webhook hook answered 410 Gone", await database.QueryValueAsync<string>("SELECT last_error FROM alert_outbox"));
    }

    [Fact]
    public async Task Sender_Metrics_CountDeliveriesTheOutboxAndTheFiringAlerts()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var database = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var policy = Policy(smtp.Port, "oncall@example.test");
        await FireAsync(database, policy, "payments-api", "sre-oncall");
        var values = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "sentinel-test-sender")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + "{" + string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")) + "}";
            values.AddOrUpdate(key, value, (_, old) => instrument is Counter<long> ? old + value : value);
        });
        listener.Start();

        await using (await StartSenderAsync(database, policy))
        {
            await Eventually.WaitAsync(() =>
            {
                listener.RecordObservableInstruments();
                return values.GetValueOrDefault("sentinel_alerts_firing{kind=check_failing,severity=critical}") == 1
                    && values.GetValueOrDefault("sentinel_notifications_total{channel=sre-oncall,outcome=sent}") == 1
                    && values.TryGetValue("sentinel_outbox_depth{}", out var depth) && depth == 0;
            }, Bound, "the delivery, the firing alert and an empty outbox on the instruments");
        }

        Assert.Equal(0, values.GetValueOrDefault("sentinel_alerts_firing{kind=certificate_expiring,severity=warning}", -1));
        // Every outcome of every configured channel is exported from the start, at 0 until it happens.
        Assert.Equal(0, values.GetValueOrDefault("sentinel_notifications_total{channel=sre-oncall,outcome=failed}", -1));
        Assert.Equal(0, values.GetValueOrDefault("sentinel_notifications_total{channel=sre-oncall,outcome=retried}", -1));
    }

    [Fact]
    public void Sign_KnownVector_MatchesOpenSslHmacOfTimestampDotBody()
    {
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        Assert.Equal("sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03", WebhookChannel.Sign("key", "1700000000", """{"a":1}"""u8));
    }

    private static async Task<string> StateAsync(NpgsqlDataSource database) => await database.QueryValueAsync<string>("SELECT state FROM alert_outbox");

    private static async Task FireAsync(NpgsqlDataSource database, AlertPolicy policy, string checkId, string channel)
    {
        var state = new DatabaseState();
        state.MarkReady();
        var evaluator = new AlertEvaluator(new AlertStore(database), policy, state, Options.Create(new NodeOptions { Name = "node-1" }), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        var check = Check($$"""{ "after": 1, "notify": ["{{channel}}"] }""", checkId);
        await evaluator.EvaluateAsync(check, Down(check, DateTimeOffset.UnixEpoch.AddYears(56)), TestContext.Current.CancellationToken);
    }

    private static async Task<RunningSender> StartSenderAsync(NpgsqlDataSource database, AlertPolicy policy, OutboxTimings? timings = null)
    {
        var state = new DatabaseState();
        state.MarkReady();
        var channels = new NotificationChannels(policy, TimeProvider.System);
        var meter = new Meter("sentinel-test-sender");
        var sender = new OutboxSender(new OutboxStore(database), channels, new OutboxSignal(), state, timings ?? Fast, TimeProvider.System, meter, NullLogger<OutboxSender>.Instance);
        await sender.StartAsync(TestContext.Current.CancellationToken);
        return new RunningSender(sender, channels, meter);
    }

    private static AlertPolicy Policy(int smtpPort, string to, bool auth = false, string webhook = "http://127.0.0.1:9/hook", string security = "None", string? caFile = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sentinel:Alerting:Smtp:Host"] = "127.0.0.1",
            ["Sentinel:Alerting:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sentinel:Alerting:Smtp:Security"] = security,
            ["Sentinel:Alerting:Smtp:CaFile"] = caFile,
            ["Sentinel:Alerting:Smtp:From"] = "Sentinel <sentinel@example.test>",
            ["Sentinel:Alerting:Channels:sre-oncall:Type"] = "email",
            ["Sentinel:Alerting:Channels:sre-oncall:To:0"] = to,
            ["Sentinel:Alerting:Channels:hook:Type"] = "webhook",
            ["Sentinel:Alerting:Channels:hook:Url"] = webhook,
            ["Sentinel:Alerting:Channels:hook:Secret"] = Secret,
        };
        if (auth)
        {
            settings["Sentinel:Alerting:Smtp:Username"] = "sentinel";
            settings["Sentinel:Alerting:Smtp:Password"] = "s3cret-pass";
        }

        return new AlertPolicy(Options.Create(AlertingConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())));
    }

    private sealed class RunningSender(OutboxSender sender, NotificationChannels channels, Meter meter) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await sender.StopAsync(CancellationToken.None);
            sender.Dispose();
            channels.Dispose();
            meter.Dispose();
        }
    }
}
