using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sentinel.Api.Endpoints;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel alerts</c>: the firing alerts, then the recently changed ones, from the database every node shares.</summary>
internal static class AlertsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var database = new DatabaseCliOptions();
        var limit = new Option<int>("--limit") { Description = "The most alerts listed (default 50).", DefaultValueFactory = _ => 50 };
        var command = new Command("alerts", "List firing and recent alerts, with the notifications waiting to be sent.") { limit };
        database.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
            CommandFailures.ReportAsync(stderr, () => ListAsync(database.Build(parse), Math.Clamp(parse.GetValue(limit), 1, 10_000), stdout, cancellationToken)));
        return command;
    }

    private static async Task<int> ListAsync(IConfiguration configuration, int limit, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var loggers = SentinelLogging.CreateFactory(configuration);
        await using var database = DatabaseConnection.Create(configuration, DatabaseUse.Command);
        await database.StartAsync(loggers.CreateLogger<EmbeddedPostgres>(), cancellationToken).ConfigureAwait(false);
        await new Migrations(database, NullLogger<Migrations>.Instance).ApplyAsync(cancellationToken).ConfigureAwait(false);
        var alerts = await new AlertStore(database.DataSource).ListAsync(new AlertQuery(limit), cancellationToken).ConfigureAwait(false);
        if (alerts.Count == 0)
        {
            await stdout.WriteLineAsync("no alerts: nothing is firing and nothing fired recently").ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"{"STATE",-9} {"KIND",-21} {"SEVERITY",-9} {"SINCE",-24} {"TITLE"} ({"KEY"}): REASON").ConfigureAwait(false);
            foreach (var alert in alerts)
            {
                await stdout.WriteLineAsync(
                    $"{Alert.Name(alert.State),-9} {alert.Kind,-21} {alert.Severity,-9} {AlertMessages.Time(alert.Since),-24} {alert.Title} ({alert.Key})" +
                    (alert.Reason is { } reason ? $": {reason}" : "")).ConfigureAwait(false);
            }
        }

        var depth = await new OutboxStore(database.DataSource).DepthAsync(cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"{depth} notification{(depth == 1 ? "" : "s")} waiting to be sent").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
