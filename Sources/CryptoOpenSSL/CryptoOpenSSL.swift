import COpenSSL
import CSodium
import IKECrypto
