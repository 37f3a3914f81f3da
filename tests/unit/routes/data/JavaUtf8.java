import java.io.*;
import java.nio.charset.StandardCharsets;
/** Prints the UTF-16 code units (hex) of new String(bytes, UTF_8) for each line of hex bytes on stdin; "-" is empty. */
public class JavaUtf8 {
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line; StringBuilder sb = new StringBuilder();
    while ((line = r.readLine()) != null) {
      String hex = line.trim().equals("-") ? "" : line.trim();
      byte[] b = new byte[hex.length() / 2];
      for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
      String s = new String(b, StandardCharsets.UTF_8);
      if (s.isEmpty()) sb.append('-');
      for (int i = 0; i < s.length(); i++) sb.append(String.format("%04x", (int) s.charAt(i)));
      sb.append('\n');
    }
    System.out.print(sb);
  }
}
