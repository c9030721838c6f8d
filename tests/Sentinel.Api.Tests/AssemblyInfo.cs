using Sentinel.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(PostgresCluster))]
