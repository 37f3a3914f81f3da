import java.io.*;
/** Prints Double.toString or Float.toString of each "d <hex bits>" or "f <hex bits>" line on stdin. */
public class JavaToString {
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
    String line; StringBuilder sb = new StringBuilder();
    while ((line = r.readLine()) != null) {
      String[] p = line.split(" ");
      if (p[0].equals("d")) sb.append(Double.toString(Double.longBitsToDouble(Long.parseUnsignedLong(p[1], 16))));
      else sb.append(Float.toString(Float.intBitsToFloat(Integer.parseUnsignedInt(p[1], 16))));
      sb.append('\n');
    }
    System.out.print(sb);
  }
}
