using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The private PostgreSQL cluster Sentinel starts when no database is configured (section
/// <c>Sentinel:EmbeddedPostgres</c>).
/// </summary>
internal sealed class EmbeddedPostgresOptions
{
    public const string Section = "Sentinel:EmbeddedPostgres";

    /// <summary>The cluster's data directory. Default <c>.sentinel/pg</c> under the working directory.</summary>
    [Required(ErrorMessage = "Sentinel:EmbeddedPostgres:DataDirectory must be set")]
    public string DataDirectory { get; set; } = Path.Combine(".sentinel", "pg");

    /// <summary>
    /// The PostgreSQL server binaries (initdb, pg_ctl). Default: <c>pg_config --bindir</c>, else the newest
    /// <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    public string? BinDirectory { get; set; }

    /// <summary>
    /// The unprivileged system user that runs the server when Sentinel runs as root (PostgreSQL refuses to run
    /// as root). Default <c>postgres</c>.
    /// </summary>
    [Required(ErrorMessage = "Sentinel:EmbeddedPostgres:ServerUser must be set")]
    public string ServerUser { get; set; } = "postgres";

    /// <summary>
    /// Whether the cluster syncs to disk. Default true; throwaway test clusters turn it off for speed.
    /// </summary>
    public bool Durable { get; set; } = true;
}
