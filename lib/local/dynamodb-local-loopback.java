import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Starts Amazon DynamoDB Local with its Jetty connectors bound to 127.0.0.1. DynamoDB Local has
 * no bind-address option and would listen on every interface, unauthenticated, while the local
 * store holds every tenant's directory. The server is reached by reflection so that this file
 * compiles against the JDK alone.
 */
class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Method create = runner.getMethod("createServerFromCommandLineArgs", String[].class);
    Object proxy = create.invoke(null, (Object) args);
    Field serverField = proxy.getClass().getDeclaredField("server");
    serverField.setAccessible(true);
    Object server = serverField.get(proxy);
    Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    proxy.getClass().getMethod("start").invoke(proxy);
    proxy.getClass().getMethod("join").invoke(proxy);
  }
}
