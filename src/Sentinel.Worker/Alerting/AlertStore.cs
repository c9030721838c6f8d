using Npgsql;
using NpgsqlTypes;
using Sentinel.Api.Endpoints;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Alert state and the notification outbox in PostgreSQL (<c>alerts</c>, <c>alert_outbox</c>). A change of an alert
/// and its notification rows commit in one transaction, with the alert's row locked meanwhile, so that two nodes
/// evaluating the same alert take turns and the second sees what the first did.
/// </summary>
internal sealed class AlertStore(NpgsqlDataSource dataSource) : IAlertStore
{
    private const string Columns =
        "id, kind, key, title, severity, state, since, sequence, recent, last_result_id, last_result_at, trigger_result_id, reason, last_notified_at, updated_at, memory";

    /// <summary>
    /// Applies <paramref name="decide"/> to the alert <paramref name="kind"/>/<paramref name="key"/> (a new one starts
    /// <c>ok</c>) and stores its decision; when the decision notifies, queues <paramref name="render"/>'s message for
    /// each of <paramref name="channels"/>, in the same transaction. Returns the change, or null when there was none.
    /// </summary>
    public async Task<AlertChange?> ApplyAsync(
        string kind,
        string key,
        string title,
        string severity,
        DateTimeOffset now,
        Func<Alert, AlertDecision?> decide,
        Func<Alert, AlertDecision, AlertMessage> render,
        IReadOnlyList<string> channels,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Most results change nothing worth a write (a passing check stays ok): decided on a plain read, they cost one
        // statement and no lock, transaction or commit. A decision that does change something is made again on the
        // locked row below, so that two nodes still take turns on every change.
        await using (var peek = new NpgsqlCommand($"SELECT {Columns} FROM alerts WHERE kind = $1 AND key = $2", connection))
        {
            peek.Parameters.AddWithValue(kind);
            peek.Parameters.AddWithValue(key);
            Alert? current = null;
            await using (var reader = await peek.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    current = Read(reader);
                }
            }

            if (current is not null && !WorthWriting(current, decide(current)))
            {
                return null;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO alerts (kind, key, title, severity, state, since, updated_at) VALUES ($1, $2, $3, $4, 'ok', $5, $5) ON CONFLICT (kind, key) DO NOTHING",
            connection, transaction))
        {
            insert.Parameters.AddWithValue(kind);
            insert.Parameters.AddWithValue(key);
            insert.Parameters.AddWithValue(title);
            insert.Parameters.AddWithValue(severity);
            insert.Parameters.AddWithValue(now);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        Alert before;
        await using (var select = new NpgsqlCommand($"SELECT {Columns} FROM alerts WHERE kind = $1 AND key = $2 FOR UPDATE", connection, transaction))
        {
            select.Parameters.AddWithValue(kind);
            select.Parameters.AddWithValue(key);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            before = Read(reader);
        }

        if (decide(before) is not { } decision || decision.Next == before)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        var next = decision.Next;
        await using (var update = new NpgsqlCommand(
            """
            UPDATE alerts SET title = $2, severity = $3, state = $4, since = $5, sequence = $6, recent = $7, last_result_id = $8,
                last_result_at = $9, trigger_result_id = $10, reason = $11, last_notified_at = $12, updated_at = $13, memory = $14
            WHERE id = $1
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(before.Id);
            update.Parameters.AddWithValue(next.Title);
            update.Parameters.AddWithValue(next.Severity);
            update.Parameters.AddWithValue(Alert.Name(next.State));
            update.Parameters.AddWithValue(next.Since);
            update.Parameters.AddWithValue(next.Sequence);
            update.Parameters.AddWithValue(next.Recent);
            update.Parameters.Add(Nullable(next.LastResultId, NpgsqlDbType.Uuid));
            update.Parameters.Add(Nullable(next.LastResultAt, NpgsqlDbType.TimestampTz));
            update.Parameters.Add(Nullable(next.TriggerResultId, NpgsqlDbType.Uuid));
            update.Parameters.Add(Nullable(next.Reason, NpgsqlDbType.Text));
            update.Parameters.Add(Nullable(next.LastNotifiedAt, NpgsqlDbType.TimestampTz));
            update.Parameters.AddWithValue(next.UpdatedAt);
            update.Parameters.AddWithValue(next.Memory);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var queued = 0;
        if (decision.Event is { } @event && channels.Count > 0)
        {
            var message = render(before, decision);
            foreach (var channel in channels)
            {
                await using var enqueue = new NpgsqlCommand(
                    """
                    INSERT INTO alert_outbox (alert_id, sequence, channel, event, subject, text_body, html_body, payload, next_attempt_at, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $9)
                    ON CONFLICT (alert_id, sequence, channel) DO NOTHING
                    """, connection, transaction);
                enqueue.Parameters.AddWithValue(before.Id);
                enqueue.Parameters.AddWithValue(next.Sequence);
                enqueue.Parameters.AddWithValue(channel);
                enqueue.Parameters.AddWithValue(Alert.Name(@event));
                enqueue.Parameters.AddWithValue(message.Subject);
                enqueue.Parameters.AddWithValue(message.Text);
                enqueue.Parameters.AddWithValue(message.Html);
                enqueue.Parameters.AddWithValue(message.Json);
                enqueue.Parameters.AddWithValue(now);
                queued += await enqueue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new AlertChange(before, next with { Id = before.Id }, decision.Event, queued);
    }

    /// <summary>How stale the stored bookkeeping of an alert that does not change may grow: a minute.</summary>
    internal static readonly TimeSpan BookkeepingRefresh = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether <paramref name="decision"/> changes <paramref name="before"/> in more than its bookkeeping (which result
    /// was counted last, and when the row was updated). A decision that changes only that is written once
    /// <see cref="BookkeepingRefresh"/> has passed since the row's last write, so that <c>last_result_at</c>, which keeps
    /// an older result from being counted after a newer one, trails the newest counted result by at most that much.
    /// </summary>
    internal static bool WorthWriting(Alert before, AlertDecision? decision) =>
        decision is { } d && d.Next != before &&
        (d.Event is not null ||
         d.Next != before with { LastResultId = d.Next.LastResultId, LastResultAt = d.Next.LastResultAt, UpdatedAt = d.Next.UpdatedAt } ||
         d.Next.UpdatedAt - before.UpdatedAt >= BookkeepingRefresh);

    /// <summary>
    /// Records that <paramref name="checkId"/> now serves <paramref name="fingerprint"/>; returns the fingerprint it served
    /// before when that one is served by no check any more (renewed everywhere), else null.
    /// </summary>
    /// <remarks>
    /// A check serves the same certificate run after run: that is decided on a plain read, with no lock, write or commit,
    /// and <c>seen_at</c> is refreshed once per <see cref="BookkeepingRefresh"/>, as an alert's bookkeeping is. Another
    /// certificate (or a check seen for the first time) takes the locked path, so that two nodes take turns on it.
    /// </remarks>
    public async Task<string?> ServeAsync(string checkId, string fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var peek = new NpgsqlCommand("SELECT fingerprint, seen_at FROM check_certificates WHERE check_id = $1", connection))
        {
            peek.Parameters.AddWithValue(checkId);
            await using var reader = await peek.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                && reader.GetString(0) == fingerprint
                && now - reader.GetFieldValue<DateTimeOffset>(1) < BookkeepingRefresh)
            {
                return null;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string? previous;
        await using (var select = new NpgsqlCommand("SELECT fingerprint FROM check_certificates WHERE check_id = $1 FOR UPDATE", connection, transaction))
        {
            select.Parameters.AddWithValue(checkId);
            previous = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        await using (var upsert = new NpgsqlCommand(
            "INSERT INTO check_certificates (check_id, fingerprint, seen_at) VALUES ($1, $2, $3) ON CONFLICT (check_id) DO UPDATE SET fingerprint = $2, seen_at = $3",
            connection, transaction))
        {
            upsert.Parameters.AddWithValue(checkId);
            upsert.Parameters.AddWithValue(fingerprint);
            upsert.Parameters.AddWithValue(now);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var gone = false;
        if (previous is not null && previous != fingerprint)
        {
            await using var count = new NpgsqlCommand("SELECT NOT EXISTS (SELECT 1 FROM check_certificates WHERE fingerprint = $1)", connection, transaction);
            count.Parameters.AddWithValue(previous);
            gone = (bool)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return gone ? previous : null;
    }

    /// <summary>The checks that serve <paramref name="fingerprint"/> now, in id order.</summary>
    public async Task<IReadOnlyList<string>> ServingAsync(string fingerprint, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT check_id FROM check_certificates WHERE fingerprint = $1 ORDER BY check_id");
        command.Parameters.AddWithValue(fingerprint);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var checks = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            checks.Add(reader.GetString(0));
        }

        return checks;
    }

    /// <summary>
    /// The alerts that are not <c>ok</c> and pass <paramref name="query"/>'s filters: firing first, then the most recently
    /// changed. The one query of <c>sentinel alerts</c> and <c>GET /v1/alerts</c>. An alert is about a check when its key
    /// is the check's id (check kinds), the id and a record type (<c>web:A</c>, DNS drift) or the fingerprint of the
    /// certificate the check serves.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> ListAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM alerts
            WHERE state <> 'ok'
              AND ($2::text IS NULL OR state = $2)
              AND ($3::text IS NULL OR kind = $3)
              AND ($4::text IS NULL
                   OR (kind IN ('check_failing', 'header_drift') AND key = $4)
                   OR (kind = 'dns_drift' AND starts_with(key, $4 || ':'))
                   OR (kind = 'certificate_expiring' AND key IN (SELECT fingerprint FROM check_certificates WHERE check_id = $4)))
            ORDER BY state = 'firing' DESC, updated_at DESC, id
            LIMIT $1
            """);
        command.Parameters.AddWithValue(query.Limit);
        command.Parameters.Add(Nullable(query.State, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(query.Kind, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(query.Check, NpgsqlDbType.Text));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var alerts = new List<Alert>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            alerts.Add(Read(reader));
        }

        return alerts;
    }

    async Task<IReadOnlyList<AlertRecord>> IAlertStore.ListAsync(AlertQuery query, CancellationToken cancellationToken) =>
        (await ListAsync(query, cancellationToken).ConfigureAwait(false))
        .Select(a => new AlertRecord(a.Id, a.Kind, a.Key, a.Title, a.Severity, Alert.Name(a.State), a.Since, a.Reason, a.LastNotifiedAt, a.UpdatedAt))
        .ToList();

    private static Alert Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Kind = reader.GetString(1),
        Key = reader.GetString(2),
        Title = reader.GetString(3),
        Severity = reader.GetString(4),
        State = Alert.Parse(reader.GetString(5)),
        Since = reader.GetFieldValue<DateTimeOffset>(6),
        Sequence = reader.GetInt64(7),
        Recent = reader.GetString(8),
        LastResultId = reader.IsDBNull(9) ? null : reader.GetGuid(9),
        LastResultAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        TriggerResultId = reader.IsDBNull(11) ? null : reader.GetGuid(11),
        Reason = reader.IsDBNull(12) ? null : reader.GetString(12),
        LastNotifiedAt = reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(14),
        Memory = reader.GetString(15),
    };

    private static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type)
        where T : struct => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = type };

    private static NpgsqlParameter Nullable(string? value, NpgsqlDbType type) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = type };
}

/// <summary>A stored change of an alert: its row before and after, the notification it queued (if any) and for how many channels.</summary>
internal sealed record AlertChange(Alert Before, Alert After, AlertEvent? Event, int Queued);
