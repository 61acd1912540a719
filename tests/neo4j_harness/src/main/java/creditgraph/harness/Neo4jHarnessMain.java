package creditgraph.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;
import sun.misc.Signal; // jdk.unsupported; javac warns about it, which is expected

/**
 * Starts a throw-away in-process Neo4j (Community) for the Python test suite.
 *
 * <p>Usage: {@code java -Xmx768m -cp ... creditgraph.harness.Neo4jHarnessMain [port]} (port 0 or absent: a free
 * port). Prints {@code BOLT_URL=bolt://127.0.0.1:PORT} once Bolt accepts connections, then runs until stdin reaches
 * EOF or SIGTERM/SIGINT arrives, shuts the database down (deleting its temporary directory) and exits 0.
 */
public final class Neo4jHarnessMain {
    // Small for the test suite; a benchmark at size L asks for more (tests/support/neo4j_server.py).
    private static final long PAGE_CACHE_MIB = Long.getLong("creditgraph.pagecache.mib", 256L);

    private static final String HOST = "127.0.0.1";

    private Neo4jHarnessMain() {}

    public static void main(String[] args) {
        // stdout carries only the BOLT_URL handshake line; anything a library prints goes to stderr.
        PrintStream handshake = System.out;
        System.setOut(System.err);

        CountDownLatch stopRequested = new CountDownLatch(1);
        // Handling the signals ourselves (instead of relying on shutdown hooks) lets us exit with status 0.
        Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());
        startStdinWatcher(stopRequested);

        Neo4j neo4j;
        try {
            int requestedPort = args.length > 0 ? Integer.parseInt(args[0]) : 0;
            SocketAddress bolt = new SocketAddress(HOST, requestedPort != 0 ? requestedPort : freePort());
            neo4j = Neo4jBuilders.newInProcessBuilder()
                    .withDisabledServer() // no HTTP/HTTPS connectors
                    .withConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                    .withConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST))
                    .withConfig(BoltConnector.enabled, true)
                    .withConfig(BoltConnector.listen_address, bolt)
                    // With port 0 the routing table (neo4j:// URLs) would advertise port 7687.
                    .withConfig(BoltConnector.advertised_address, bolt)
                    .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .withConfig(GraphDatabaseSettings.auth_enabled, false)
                    // Anonymous usage reporting is on by default and phones home to udc.neo4j.com.
                    .withConfig(GraphDatabaseSettings.udc_enabled, false)
                    .withConfig(GraphDatabaseInternalSettings.udc_network_enabled, false)
                    .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(PAGE_CACHE_MIB))
                    // Tx logs are otherwise preallocated in 256 MiB chunks per database.
                    .withConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .withConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                    // Netty's default 5 s quiet period (applied twice) makes every shutdown take 10+ s.
                    .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                    .build();
        } catch (Throwable e) {
            System.err.println("Neo4j harness failed to start:");
            e.printStackTrace();
            System.exit(1);
            return;
        }

        int exitCode = 0;
        try {
            int boltPort = neo4j.boltURI().getPort();
            awaitListening(boltPort);
            handshake.println("BOLT_URL=bolt://" + HOST + ":" + boltPort);
            handshake.flush();
            stopRequested.await();
        } catch (Throwable e) {
            e.printStackTrace();
            exitCode = 1;
        } finally {
            try {
                neo4j.close();
            } catch (Throwable e) {
                System.err.println("Neo4j harness failed to shut down cleanly:");
                e.printStackTrace();
                exitCode = 1;
            }
        }
        // Exit explicitly so that no lingering non-daemon thread can keep the JVM alive.
        System.exit(exitCode);
    }

    private static void startStdinWatcher(CountDownLatch stopRequested) {
        Thread watcher = new Thread(
                () -> {
                    byte[] buffer = new byte[256];
                    try (InputStream in = System.in) {
                        while (in.read(buffer) != -1) {
                            // Input is ignored; only EOF matters.
                        }
                    } catch (IOException ignored) {
                        // A broken stdin means the parent is gone, same as EOF.
                    }
                    stopRequested.countDown();
                },
                "stdin-eof-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** A currently free loopback port; the tiny window before Neo4j binds it is acceptable for tests. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1000);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }
}
