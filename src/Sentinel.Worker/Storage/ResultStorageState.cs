using System.Globalization;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Whether results can be written to PostgreSQL now, as the writer last found: since when they cannot and why, and how
/// many wait in the spill file. <c>/readyz</c> and <c>sentinel_storage_up</c> report it.
/// </summary>
internal sealed class ResultStorageState(TimeProvider time)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _downSince;
    private string? _reason;
    private long _spilled;

    /// <summary>Whether the last write succeeded (true until one fails).</summary>
    public bool Up
    {
        get
        {
            lock (_lock)
            {
                return _downSince is null;
            }
        }
    }

    /// <summary>Results in the spill file, not yet written; the writer keeps it current.</summary>
    public long Spilled
    {
        get => Interlocked.Read(ref _spilled);
        set => Interlocked.Exchange(ref _spilled, value);
    }

    /// <summary>A write succeeded.</summary>
    public void Succeeded()
    {
        lock (_lock)
        {
            _downSince = null;
            _reason = null;
        }
    }

    /// <summary>A write failed for <paramref name="reason"/>; the first failure of a run of them says since when.</summary>
    public void Failed(string reason)
    {
        lock (_lock)
        {
            _downSince ??= time.GetUtcNow();
            _reason = reason;
        }
    }

    /// <summary>
    /// Why results cannot be written, in one line (<c>results cannot be written: PostgreSQL unreachable since
    /// 2026-12-07T10:04:05Z (…); 1,234 results spilled</c>); null while they can.
    /// </summary>
    public string? Describe()
    {
        lock (_lock)
        {
            if (_downSince is not { } since)
            {
                return null;
            }

            return string.Create(CultureInfo.InvariantCulture,
                $"results cannot be written: PostgreSQL unreachable since {since:yyyy-MM-ddTHH:mm:ssZ} ({_reason}); {Spilled:N0} results spilled");
        }
    }
}
