using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Checks;

/// <summary>
/// Keeps the file-owned checks in the database equal to the checks folder: reads it at start, on every change
/// the file system reports (after a short quiet period, since editors write in steps) and at a fixed rescan
/// interval, then signals the change (<see cref="CheckChanges"/>). A check that notifies a channel the configuration does
/// not have is an error of its file, as in <c>sentinel validate</c>. An invalid file is reported with its path,
/// line and JSON path and is skipped; its checks keep their last valid definition, as a bad config reload does
/// in Prometheus.
/// </summary>
/// <remarks>
/// On a cluster one node syncs at a time: the one that holds <see cref="FileSyncLeadership"/>'s advisory lock; the others
/// try again every <see cref="FollowerRetry"/> and take over when the leader dies or loses its database connection. A
/// node removes only file checks whose file lies in its own checks folder, never those another node's folder defines.
/// </remarks>
internal sealed class CheckFileSync(
    CheckStore store,
    CheckChanges changes,
    DatabaseState database,
    CheckFileStatus status,
    FileSyncLeadership leadership,
    AlertPolicy alerting,
    IOptions<CheckFilesOptions> options,
    TimeProvider time,
    ILogger<CheckFileSync> log) : BackgroundService
{
    private readonly Channel<bool> _touched = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, (long Length, DateTime Modified, CheckDocument Document)> _cache = new(StringComparer.Ordinal);
    private Dictionary<string, string> _reported = new(StringComparer.Ordinal);
    private bool _missingReported;

    /// <summary>How often a node that does not lead the file sync tries to take the lead.</summary>
    internal static readonly TimeSpan FollowerRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WaitAsync(stoppingToken).ConfigureAwait(false);
        var directory = options.Value.Directory;
        FileSystemWatcher? watcher = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await LeadAsync(stoppingToken).ConfigureAwait(false))
                {
                    await Task.Delay(FollowerRetry, time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                watcher ??= Watch(directory);
                await SyncOnceAsync(directory, stoppingToken).ConfigureAwait(false);
                await WaitForChangeAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            watcher?.Dispose();
            await leadership.StepDownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes or confirms the lead of the file sync; logs when it changes hands.</summary>
    private async Task<bool> LeadAsync(CancellationToken cancellationToken)
    {
        var was = leadership.IsLeader;
        bool leads;
        try
        {
            leads = await leadership.TryLeadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            Log.CheckFileSyncFailed(log, ex.Message);
            leads = false;
        }

        if (leads && !was)
        {
            Log.FileSyncLeading(log);

            // A new leader reads the folder as it is now, and reports it.
            status.Reported = false;
        }
        else if (!leads && was)
        {
            Log.FileSyncLeadLost(log);
        }

        return leads;
    }

    /// <summary>Reads the folder and syncs the database once.</summary>
    internal async Task SyncOnceAsync(string directory, CancellationToken cancellationToken)
    {
        IReadOnlyList<CheckDocument> documents;
        if (Directory.Exists(directory))
        {
            documents = CheckSet.RejectDuplicateIds(CheckFiles.Find(directory).Select(Load).ToList());
        }
        else
        {
            if (!_missingReported)
            {
                Log.CheckDirectoryMissing(log, directory);
            }

            documents = [];
        }

        _missingReported = documents.Count == 0 && !Directory.Exists(directory);

        ReportInvalid(documents);
        try
        {
            var outcome = await store.SyncFileChecksAsync(documents, OwnedPrefix(directory), cancellationToken).ConfigureAwait(false);
            foreach (var conflict in outcome.Conflicts)
            {
                Log.CheckFileConflict(log, conflict.Source, conflict.ToString());
            }

            var valid = documents.Where(d => d.IsValid).ToList();
            status.Update(valid.Sum(d => d.Checks.Count), valid.Count, documents.Count - valid.Count);
            if (outcome.Changed > 0 || outcome.Removed.Count > 0 || !status.Reported)
            {
                Log.CheckFilesSynced(log, status.Checks, documents.Count, directory, status.InvalidFiles, outcome.Changed, outcome.Removed.Count);
                status.Reported = true;
                changes.Notify();
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            Log.CheckFileSyncFailed(log, ex.Message);
        }
    }

    /// <summary>The start of the source of every check file in <paramref name="directory"/>, as the files are found there.</summary>
    internal static string OwnedPrefix(string directory) =>
        Path.EndsInDirectorySeparator(directory) ? directory : directory + Path.DirectorySeparatorChar;

    private CheckDocument Load(string path)
    {
        var info = new FileInfo(path);
        if (_cache.TryGetValue(path, out var cached) && cached.Length == info.Length && cached.Modified == info.LastWriteTimeUtc)
        {
            return cached.Document;
        }

        var document = CheckFiles.LoadFile(path, ProbeCatalog.Default.Checks, alerting.ChannelNames);
        _cache[path] = (info.Length, info.LastWriteTimeUtc, document);
        return document;
    }

    /// <summary>Logs each invalid file's errors once, and again only when they change.</summary>
    private void ReportInvalid(IReadOnlyList<CheckDocument> documents)
    {
        var now = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var document in documents.Where(d => !d.IsValid))
        {
            var text = string.Join("; ", document.Errors);
            now[document.Source] = text;
            if (!_reported.TryGetValue(document.Source, out var before) || before != text)
            {
                foreach (var error in document.Errors)
                {
                    Log.InvalidCheckFile(log, document.Source, error.ToString());
                }
            }
        }

        _reported = now;
    }

    private FileSystemWatcher? Watch(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => _touched.Writer.TryWrite(true);
        watcher.Created += (_, _) => _touched.Writer.TryWrite(true);
        watcher.Deleted += (_, _) => _touched.Writer.TryWrite(true);
        watcher.Renamed += (_, _) => _touched.Writer.TryWrite(true);

        // An overflowed event buffer loses changes: read everything again.
        watcher.Error += (_, _) => _touched.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        using var rescanTimer = new CancellationTokenSource(options.Value.RescanInterval, time);
        using var rescan = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, rescanTimer.Token);
        try
        {
            await _touched.Reader.ReadAsync(rescan.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return;
        }

        // Let a burst of writes settle, so that a half-written file is not read.
        while (true)
        {
            using var quietTimer = new CancellationTokenSource(options.Value.Debounce, time);
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quietTimer.Token);
            try
            {
                await _touched.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

/// <summary>What the last sync of the checks folder found, for <c>/metrics</c>.</summary>
internal sealed class CheckFileStatus
{
    public int Checks { get; private set; }

    public int ValidFiles { get; private set; }

    public int InvalidFiles { get; private set; }

    /// <summary>Whether the first sync has been logged.</summary>
    public bool Reported { get; set; }

    public void Update(int checks, int validFiles, int invalidFiles)
    {
        Checks = checks;
        ValidFiles = validFiles;
        InvalidFiles = invalidFiles;
    }
}
