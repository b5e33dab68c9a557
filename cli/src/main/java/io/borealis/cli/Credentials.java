package io.borealis.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Who the client says it is, as Aurora's client did: {@code BOREALIS_USER} and {@code
 * BOREALIS_PASSWORD} when both are set (the environment wins; one without the other is a usage
 * error), else the {@code ~/.netrc} entry of the scheduler's host (or its {@code default} entry).
 * Sent as HTTP Basic only when present.
 *
 * @param user the user name
 * @param password the password (never printed)
 * @param source where they came from, for messages
 */
record Credentials(String user, String password, String source) {

  static final String USER = "BOREALIS_USER";
  static final String PASSWORD = "BOREALIS_PASSWORD";
  static final String CA_FILE = "BOREALIS_CA_FILE";

  @Override
  public String toString() {
    return "Credentials[" + user + " from " + source + "]";
  }

  /** The {@code Authorization} header's value. */
  String basic() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The credentials for the scheduler on {@code host}, if the environment or netrc has some. */
  static Optional<Credentials> forHost(Env env, String host) {
    String user = env.variables().get(USER);
    String password = env.variables().get(PASSWORD);
    boolean named = user != null && !user.isEmpty();
    if (named != (password != null)) {
      // Half of them: reading ~/.netrc instead would act as whoever it names, unnoticed.
      throw CliException.usage(
          (named
                  ? USER + " is set but " + PASSWORD + " is not"
                  : PASSWORD + " is set but " + USER + " is not")
              + ": set both, or neither to use ~/.netrc");
    }
    if (named) {
      return Optional.of(new Credentials(user, password, USER + "/" + PASSWORD));
    }
    Path netrc = env.home().resolve(".netrc");
    if (!Files.isRegularFile(netrc)) {
      return Optional.empty();
    }
    try {
      return netrc(Files.readString(netrc), host);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The entry of {@code host} in a netrc text ({@code machine H login U password P}, tokens
   * separated by any white space; {@code default} matches every host and is read last).
   */
  static Optional<Credentials> netrc(String text, String host) {
    List<String> tokens = new ArrayList<>(List.of(text.strip().split("\\s+")));
    Optional<Credentials> fallback = Optional.empty();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      boolean isMachine = t.equals("machine") && i + 1 < tokens.size();
      if (!isMachine && !t.equals("default")) {
        continue;
      }
      String machine = isMachine ? tokens.get(++i) : null;
      String login = null;
      String password = null;
      int j = i + 1;
      for (; j < tokens.size(); j++) {
        String k = tokens.get(j);
        if (k.equals("machine") || k.equals("default")) {
          break;
        }
        if (j + 1 < tokens.size() && k.equals("login")) {
          login = tokens.get(++j);
        } else if (j + 1 < tokens.size() && k.equals("password")) {
          password = tokens.get(++j);
        }
      }
      i = j - 1;
      if (login == null || password == null) {
        continue;
      }
      Credentials c = new Credentials(login, password, "~/.netrc");
      if (machine == null) {
        fallback = Optional.of(c);
      } else if (machine.equalsIgnoreCase(host)) {
        return Optional.of(c);
      }
    }
    return fallback;
  }

  /**
   * The TLS trust of the client: the JVM's trusted certificates, plus those of the PEM file named
   * by {@code BOREALIS_CA_FILE} (a private CA or the scheduler's self-signed certificate).
   */
  static Optional<SSLContext> trust(Env env) {
    String caFile = env.variables().get(CA_FILE);
    if (caFile == null || caFile.isBlank()) {
      return Optional.empty();
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (X509TrustManager jvm : trustManagers(null)) {
        for (X509Certificate c : jvm.getAcceptedIssuers()) {
          store.setCertificateEntry("jvm-" + n++, c);
        }
      }
      try (InputStream in = Files.newInputStream(Path.of(caFile))) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca-" + n++, c);
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers(store).toArray(new TrustManager[0]), null);
      return Optional.of(context);
    } catch (Exception e) {
      throw CliException.usage(CA_FILE + "=" + caFile + " cannot be used: " + e.getMessage());
    }
  }

  private static List<X509TrustManager> trustManagers(KeyStore store) throws Exception {
    TrustManagerFactory f =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    List<X509TrustManager> all = new ArrayList<>();
    for (TrustManager m : f.getTrustManagers()) {
      if (m instanceof X509TrustManager x) {
        all.add(x);
      }
    }
    return all;
  }
}
