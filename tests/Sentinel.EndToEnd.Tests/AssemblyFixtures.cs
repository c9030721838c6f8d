using Sentinel.Testing;
using Xunit;

// One throwaway PostgreSQL cluster for the whole assembly; each test takes its own database in it.
[assembly: AssemblyFixture(typeof(PostgresCluster))]
