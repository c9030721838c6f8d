using System.CommandLine;
using Sentinel.Probes.Checks;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel notify test CHANNEL</c>: sends a sample notification through a configured channel at once, the way the
/// daemon sends (same composition, same message form), and says whether the peer accepted it and, if not, why.
/// </summary>
internal static class NotifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var channel = new Argument<string>("channel") { Description = "A channel name from Sentinel:Alerting:Channels." };
        var config = new Option<string>("--config") { Description = "The configuration file sentinel run reads.", HelpName = "FILE" };
        var test = new Command("test", "Send a sample notification through CHANNEL; exit 0 when the peer accepted it.") { channel, config };
        test.SetAction((parse, cancellationToken) => CommandFailures.ReportAsync(stderr, () =>
            TestAsync(parse.GetValue(config), parse.GetValue(channel)!, stdout, stderr, cancellationToken)));
        return new Command("notify", "Work with notification channels.") { test };
    }

    private static async Task<int> TestAsync(string? configFile, string name, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var configuration = SentinelConfiguration.Build(configFile, new Dictionary<string, string?>());
        var policy = new AlertPolicy(Microsoft.Extensions.Options.Options.Create(AlertingConfiguration.Load(configuration)));
        using var channels = new NotificationChannels(policy, TimeProvider.System);
        if (channels.Find(name) is not { } channel)
        {
            await stderr.WriteLineAsync($"sentinel: {AlertLimits.UnknownChannel(name, policy.ChannelNames)}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var now = TimeProvider.System.GetUtcNow();
        var subject = $"[TEST] Sentinel can notify {name}";
        var message = AlertMessages.Render(subject, [$"This is a test notification sent by `sentinel notify test {name}` at {AlertMessages.Time(now)}.", "Nothing is wrong."],
            new AlertPayload { Event = "test", Kind = "test", Key = name, Title = subject, Severity = "warning", Since = now, Subject = subject, Text = string.Empty });
        try
        {
            await channel.DeliverAsync(new OutboxMessage(0, 0, now.ToUnixTimeSeconds(), name, "test", subject, message.Text, message.Html, message.Json, 0), cancellationToken).ConfigureAwait(false);
        }
        catch (DeliveryException ex)
        {
            await stderr.WriteLineAsync($"sentinel: {name}: {ex.Message}{(ex.Permanent ? " (rejected)" : " (try again later)")}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await stdout.WriteLineAsync($"{name}: accepted \"{subject}\"").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
