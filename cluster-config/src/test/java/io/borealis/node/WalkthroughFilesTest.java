package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's walkthrough leaves nothing untracked in the checkout (issue 8, item 19): every file
 * it writes and every data folder it starts a node on is one that git ignores.
 */
class WalkthroughFilesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyFileTheReadmeWritesIsUnderAnIgnoredDataFolder() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    List<String> ignored = Files.readAllLines(ROOT.resolve(".gitignore"));
    assertThat(ignored).contains("/data*/");

    List<String> written = new ArrayList<>();
    Matcher heredoc = Pattern.compile("cat > (\\S+) <<").matcher(readme);
    while (heredoc.find()) {
      written.add(heredoc.group(1));
    }
    Matcher dataDir = Pattern.compile("--data-dir (\\S+)").matcher(readme);
    while (dataDir.find()) {
      if (!dataDir.group(1).startsWith("DIR")) {
        written.add(dataDir.group(1).replaceAll("[`|]", "") + "/");
      }
    }
    assertThat(written).isNotEmpty();
    // What /data*/ ignores: a path whose first segment starts with "data".
    assertThat(written)
        .allMatch(p -> p.replaceFirst("^\\./", "").matches("data[^/]*/.*"), "under /data*/");
  }
}
