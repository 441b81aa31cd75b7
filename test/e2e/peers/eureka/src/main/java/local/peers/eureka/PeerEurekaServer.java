package local.peers.eureka;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.netflix.eureka.server.EnableEurekaServer;

/** A standalone Eureka server on loopback, used only as a test peer by meshplane's e2e tests. */
@SpringBootApplication
@EnableEurekaServer
public class PeerEurekaServer {
  public static void main(String[] args) {
    SpringApplication.run(PeerEurekaServer.class, args);
  }
}
