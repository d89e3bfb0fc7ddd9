"""A real SMTP server (aiosmtpd) in a thread, recording what arrives."""

import asyncio
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def attachments(self) -> list[EmailMessage]:
        return list(self.message.iter_attachments())


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.refusing:
            return "451 4.3.0 Temporarily refusing mail"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.arrived:
            self.server.received.append(
                ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
            self.server.arrived.notify_all()
        return "250 Message accepted"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.received: list[ReceivedEmail] = []
        self.arrived = threading.Condition()  # notified as each email is recorded
        self.refusing = False
        self.delay = 0.0  # seconds before answering each message: a slow relay
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def reset(self) -> None:
        self.received.clear()
        self.refusing = False
        self.delay = 0.0

    def to(self, address: str) -> list[ReceivedEmail]:
        return [mail for mail in self.received if address in mail.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[ReceivedEmail]:
        """The emails received, as soon as there are at least `count` of them. That no more
        will come is not shown by waiting: check the outbox rows (a row is marked sent only
        once this server has accepted its email)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(
                    f"expected {count} emails within {timeout}s, got {len(self.received)}"
                )
            return list(self.received)
