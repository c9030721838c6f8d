using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sentinel.Testing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Sentinel.Worker.Tests.Storage;

/// <summary>
/// The result path as the daemon composes it — pipeline, buffer, writer, spill file, storage state — over a database,
/// with a spill directory of its own (or one given, to play a restart over it). Disposing stops the writer and deletes
/// a directory it made.
/// </summary>
internal sealed class WriterHarness : IAsyncDisposable
{
    private readonly TempDirectory? _ownSpill;
    private readonly Meter _meter = new("test");
    private readonly LoggerFactory _loggers;
    private bool _stopped;

    public WriterHarness(NpgsqlDataSource dataSource, string? spillDirectory = null, ResultOptions? options = null)
    {
        options ??= new ResultOptions();
        _loggers = new LoggerFactory([Logs]);
        if (spillDirectory is null)
        {
            _ownSpill = new TempDirectory("sentinel-spill");
            spillDirectory = _ownSpill.Path;
        }

        Buffer = new ResultBuffer(MsOptions.Create(options));
        Latest = new LatestResults();
        Pipeline = new ResultPipeline(Latest, Buffer, MsOptions.Create(new NodeOptions { Name = "node-1" }), new Logger<ResultPipeline>(_loggers));
        Spill = new ResultSpill(spillDirectory, options.SpillMaxBytes, Logs.CreateLogger("spill"));
        State = new ResultStorageState(TimeProvider.System);
        Database = new DatabaseState();
        Writer = new ResultWriter(Buffer, Spill, dataSource, Database, State, MsOptions.Create(options), TimeProvider.System, _meter, new Logger<ResultWriter>(_loggers));
    }

    /// <summary>What the writer logged.</summary>
    public LogSink Logs { get; } = new();

    public ResultBuffer Buffer { get; }

    public LatestResults Latest { get; }

    public ResultPipeline Pipeline { get; }

    public ResultSpill Spill { get; }

    public ResultStorageState State { get; }

    public DatabaseState Database { get; }

    public ResultWriter Writer { get; }

    public void Deconstruct(out ResultPipeline pipeline, out ResultWriter writer, out DatabaseState database)
    {
        pipeline = Pipeline;
        writer = Writer;
        database = Database;
    }

    /// <summary>Stops the writer as the host does on SIGTERM (once).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Writer.StopAsync(CancellationToken.None);

            // The host would swallow a fault of the writer's loop (results lost without a word); a test must not.
            if (Writer.ExecuteTask is { IsFaulted: true } faulted)
            {
                throw new InvalidOperationException("the result writer failed", faulted.Exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Writer.Dispose();
        Spill.Dispose();
        _meter.Dispose();
        _loggers.Dispose();
        _ownSpill?.Dispose();
    }
}
