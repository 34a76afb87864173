// What an analyst's JDBC tool does with the official ClickHouse driver (com.clickhouse:clickhouse-jdbc,
// default settings): the integration test (analytics/src/host/clients.int.test.ts) runs it against the
// embedded host and checks the one JSON object it prints.
// Run: java -cp 'lib/*' Probe.java   (env CH_URL, CH_USER, CH_PASSWORD, CH_ANALYST_USER, CH_ANALYST_PASSWORD, CH_TABLE, CH_ROWS)
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class Probe {
  static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isEmpty()) {
      System.err.println("missing env " + name);
      System.exit(2);
    }
    return v;
  }

  static Connection open(String user, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    return DriverManager.getConnection(env("CH_URL"), p);
  }

  public static void main(String[] args) throws Exception {
    String table = env("CH_TABLE");
    int rows = Integer.parseInt(env("CH_ROWS"));
    StringBuilder out = new StringBuilder("{");
    try (Connection conn = open(env("CH_USER"), env("CH_PASSWORD"))) {
      out.append("\"product\":\"").append(conn.getMetaData().getDatabaseProductVersion()).append("\"");
      try (Statement st = conn.createStatement()) {
        st.execute("CREATE TABLE " + table
            + " (call_id UInt64, agent String, talk_s Float64) ENGINE = MergeTree ORDER BY call_id");
      }
      long written = 0;
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + table + " (call_id, agent, talk_s) VALUES (?, ?, ?)")) {
        for (int i = 0; i < rows; i++) {
          ps.setLong(1, i);
          ps.setString(2, "agent-" + (i % 7));
          ps.setDouble(3, i / 2.0);
          ps.addBatch();
        }
        for (int n : ps.executeBatch()) written += n;
      }
      out.append(",\"batchCount\":").append(written);
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count() FROM " + table)) {
        rs.next();
        out.append(",\"count\":").append(rs.getLong(1));
      }
      List<Long> selected = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT call_id FROM " + table + " WHERE agent = ? AND call_id < ? ORDER BY call_id")) {
        ps.setString(1, "agent-3");
        ps.setLong(2, 40);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) selected.add(rs.getLong(1));
        }
      }
      out.append(",\"selected\":").append(selected);
      try (Statement st = conn.createStatement()) {
        int updated = st.executeUpdate("INSERT INTO " + table + " SELECT number + 1000000, 'agent-x', 1 FROM numbers(250)");
        out.append(",\"insertSelectCount\":").append(updated);
      }
    }
    try (Connection analyst = open(env("CH_ANALYST_USER"), env("CH_ANALYST_PASSWORD"));
         Statement st = analyst.createStatement()) {
      st.execute("DROP TABLE " + table);
      out.append(",\"analystErr\":null");
    } catch (SQLException e) {
      out.append(",\"analystErr\":\"").append(e.getMessage().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ")).append("\"");
    }
    System.out.println(out.append("}"));
  }
}
