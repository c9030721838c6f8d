using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Worker.Alerting;
using Xunit;

namespace Sentinel.Worker.Tests.Alerting;

public sealed class AlertingConfigurationTests
{
    private const string Password = "hunter2-smtp-password";
    private const string Secret = "webhook-secret-0123456789";

    [Fact]
    public void Load_ValidConfiguration_BindsChannelsAndDefaults()
    {
        var options = AlertingConfiguration.Load(Configuration(new()
        {
            ["PublicUrl"] = "https://sentinel.example.test",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "Sentinel <sentinel@example.test>",
            ["Smtp:Username"] = "sentinel",
            ["Smtp:Password"] = Password,
            ["Channels:sre-oncall:Type"] = "email",
            ["Channels:sre-oncall:To:0"] = "oncall@example.test",
            ["Channels:hook:Type"] = "webhook",
            ["Channels:hook:Url"] = "http://127.0.0.1:9/hook",
            ["Channels:hook:Secret"] = Secret,
            ["Defaults:After"] = "2",
            ["Defaults:Repeat"] = "4h",
            ["Defaults:Notify:0"] = "sre-oncall",
            ["Certificates:Days:0"] = "10",
            ["Certificates:Days:1"] = "20",
        }));

        Assert.Equal(["hook", "sre-oncall"], options.Channels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(25, options.Smtp.EffectivePort);
        Assert.Equal([20, 10], options.Certificates.EffectiveDays);
        var policy = new AlertPolicy(Options.Create(options));
        Assert.Equal((2, 2, 1, TimeSpan.FromHours(4), AlertSeverity.Critical), (policy.Defaults.After, policy.Defaults.Within, policy.Defaults.ResolveAfter, policy.Defaults.Repeat, policy.Defaults.Severity));
        Assert.Equal(["sre-oncall"], policy.Defaults.Notify);
        Assert.Equal("https://sentinel.example.test/checks/db", policy.LinkTo("db"));
    }

    [Fact]
    public void Load_NothingConfigured_HasDocumentedDefaults()
    {
        var options = AlertingConfiguration.Load(new ConfigurationBuilder().Build());
        var policy = new AlertPolicy(Options.Create(options));

        Assert.Empty(policy.ChannelNames);
        Assert.Equal(3, policy.Defaults.After);
        Assert.Equal(3, policy.Defaults.Within);
        Assert.Equal(1, policy.Defaults.ResolveAfter);
        Assert.Equal(TimeSpan.Zero, policy.Defaults.Repeat);
        Assert.Equal([30, 14, 7, 1], options.Certificates.EffectiveDays);
        Assert.Equal(0.33, options.Certificates.LifetimeFraction);
        Assert.Null(policy.LinkTo("db"));
    }

    [Fact]
    public void For_CheckFields_OverrideDefaultsOneByOne()
    {
        var policy = Policy(new() { ["Defaults:After"] = "3", ["Defaults:Within"] = "5", ["Defaults:Severity"] = "warning" });

        var inherit = policy.For(Check("""{ }"""))!;
        var raised = policy.For(Check("""{ "after": 8 }"""))!;
        var own = policy.For(Check("""{ "after": 2, "within": 4, "resolveAfter": 2, "severity": "critical" }"""))!;

        Assert.Equal((3, 5, AlertSeverity.Warning), (inherit.After, inherit.Within, inherit.Severity));
        Assert.Equal((8, 8), (raised.After, raised.Within));
        Assert.Equal((2, 4, 2, AlertSeverity.Critical), (own.After, own.Within, own.ResolveAfter, own.Severity));
        Assert.Null(policy.For(CheckParser.Parse("""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": false }""", "a.json", ProbeCatalog.Default.Checks).Checks[0].Definition));
    }

    public static TheoryData<Dictionary<string, string?>, string[]> HostileConfigurations() => new()
    {
        {
            new() { ["Smtp:Hots"] = "x", ["Channel:a:Type"] = "email", ["Channels:b:Typ"] = "email", ["Defaults:After"] = "three", ["Smtp:Port"] = "25x", ["Certificates:LifetimeFraction"] = "a third" },
            [
                "Sentinel:Alerting:Channel: unknown setting; known: PublicUrl, Smtp, Channels, Defaults, Certificates, Dns",
                "Sentinel:Alerting:Smtp:Hots: unknown setting; known: Host, Port, Security, Username, Password, From, CaFile",
                "Sentinel:Alerting:Channels:b:Typ: unknown setting; known: Type, To, Url, Secret",
                "Sentinel:Alerting:Smtp:Port must be a whole number, got \"25x\"",
                "Sentinel:Alerting:Defaults:After must be a whole number, got \"three\"",
                "Sentinel:Alerting:Certificates:LifetimeFraction must be a number such as 0.33, got \"a third\"",
            ]
        },
        {
            new()
            {
                ["PublicUrl"] = "sentinel.example.test",
                ["Channels:Ops Team:Type"] = "email", ["Channels:Ops Team:To:0"] = "not an address",
                ["Channels:hook:Type"] = "webhook", ["Channels:hook:Url"] = "ftp://user:" + Secret + "@127.0.0.1/", ["Channels:hook:Secret"] = "short",
                ["Channels:sms:Type"] = "sms",
                ["Channels:none:Url"] = "http://127.0.0.1/",
                ["Smtp:Security"] = "ssl", ["Smtp:Port"] = "70000", ["Smtp:Password"] = Password,
                ["Defaults:After"] = "0", ["Defaults:Within"] = "500", ["Defaults:ResolveAfter"] = "101", ["Defaults:Repeat"] = "10s", ["Defaults:Severity"] = "page",
                ["Defaults:Notify:0"] = "pager",
                ["Certificates:Days:0"] = "0", ["Certificates:LifetimeFraction"] = "1.5", ["Dns:Notify:0"] = "dns-team",
            },
            [
                "Sentinel:Alerting:PublicUrl must be an absolute http:// or https:// URL, got \"sentinel.example.test\"",
                "Sentinel:Alerting:Channels:hook:Url must be an absolute http:// or https:// URL",
                "Sentinel:Alerting:Channels:hook:Secret must be set, at least 16 characters, to sign the webhook's requests",
                "Sentinel:Alerting:Channels:none:Type is required: email or webhook",
                "Sentinel:Alerting:Channels:Ops Team: a channel name must be a slug of lower-case letters, digits, '-', '_' and '.', at most 64 characters",
                "Sentinel:Alerting:Channels:Ops Team:To has an invalid address \"not an address\"",
                "Sentinel:Alerting:Channels:sms:Type must be email or webhook, got \"sms\"",
                "Sentinel:Alerting:Smtp:Host is required by the email channels",
                "Sentinel:Alerting:Smtp:Port must be from 1 to 65535, got 70000",
                "Sentinel:Alerting:Smtp:Security must be None, StartTls or Tls, got \"ssl\"",
                "Sentinel:Alerting:Smtp: Username and Password go together: set both for AUTH, or neither",
                "Sentinel:Alerting:Smtp:From is required by the email channels",
                "Sentinel:Alerting:Defaults:After must be from 1 to 100, got 0",
                "Sentinel:Alerting:Defaults:Within must be from After (0) to 100, got 500",
                "Sentinel:Alerting:Defaults:ResolveAfter must be from 1 to 100, got 101",
                "Sentinel:Alerting:Defaults:Repeat must be \"0\" (never) or from 1m to 30d, got \"10s\"",
                "Sentinel:Alerting:Defaults:Severity must be critical or warning, got \"page\"",
                "Sentinel:Alerting:Defaults:Notify: unknown channel \"pager\"; known channels: Ops Team, hook, none, sms",
                "Sentinel:Alerting:Certificates:Days must each be from 1 to 3650, got 0",
                "Sentinel:Alerting:Certificates:LifetimeFraction must be above 0 and below 1, got 1.5",
                "Sentinel:Alerting:Dns:Notify: unknown channel \"dns-team\"; known channels: Ops Team, hook, none, sms",
            ]
        },
        {
            new()
            {
                ["Channels:mail:Type"] = "email", ["Channels:mail:To:0"] = "oncall@example.test",
                ["Smtp:Host"] = "127.0.0.1", ["Smtp:From"] = "sentinel@example.test", ["Smtp:Security"] = "StartTls", ["Smtp:CaFile"] = "/nonexistent/mail-ca.pem",
            },
            ["Sentinel:Alerting:Smtp:CaFile: caFile /nonexistent/mail-ca.pem does not exist on this node"]
        },
        {
            new()
            {
                ["Channels:mail:Type"] = "email", ["Channels:mail:To:0"] = "oncall@example.test",
                ["Smtp:Host"] = "127.0.0.1", ["Smtp:From"] = "sentinel@example.test", ["Smtp:Security"] = "None", ["Smtp:CaFile"] = "/etc/ssl/mail-ca.pem",
            },
            ["Sentinel:Alerting:Smtp:CaFile needs Security StartTls or Tls: without TLS there is no certificate to check"]
        },
    };

    [Theory]
    [MemberData(nameof(HostileConfigurations))]
    public void Load_HostileConfiguration_ReportsEveryProblemOnceAndNoSecret(Dictionary<string, string?> settings, string[] expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => AlertingConfiguration.Load(Configuration(settings)));

        Assert.Equal(expected.Order(StringComparer.Ordinal), error.Failures.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(AlertingOptions.Section + ":" + s.Key, s.Value))).Build();

    private static AlertPolicy Policy(Dictionary<string, string?> settings) => new(Options.Create(AlertingConfiguration.Load(Configuration(settings))));

    private static CheckDefinition Check(string alert) =>
        CheckParser.Parse($$"""{ "id": "a", "type": "tcp", "target": "127.0.0.1:1", "alert": {{alert}} }""", "a.json", ProbeCatalog.Default.Checks).Checks[0].Definition;
}
